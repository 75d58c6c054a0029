// Type-only view of the activities for proxyActivities; never imported at run time by workflow code.
import type { createActivities } from '../activities';
export type Activities = ReturnType<typeof createActivities>;
