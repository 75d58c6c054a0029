/** The worker SIGKILLed before and during the canonical's deploy (test/helpers/promote-crash.ts). */
import { describePromoteCrash } from '../helpers/promote-crash';

describePromoteCrash([
  ['before the deploy (app new of the canonical)', '^app new alpha .*warm-alpha\\.', false],
  ['mid-deploy', '^app deploy warm-alpha\\.', false],
]);
