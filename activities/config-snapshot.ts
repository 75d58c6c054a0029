import { ApplicationFailure } from '@temporalio/common';
import { ConfigError, loadConfig } from '../config/load';

/** The config, or a non-retryable failure naming the file and fields: retrying cannot fix a bad file. */
export async function loadOrFail(file: string) {
  try {
    return await loadConfig(file);
  } catch (e) {
    if (e instanceof ConfigError) throw ApplicationFailure.nonRetryable(e.message, 'ConfigError');
    throw e;
  }
}
