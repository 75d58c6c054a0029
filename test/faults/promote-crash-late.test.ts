/** The worker SIGKILLed after the canonical's deploy: before and after its record (test/helpers/promote-crash.ts). */
import { describePromoteCrash } from '../helpers/promote-crash';

describePromoteCrash([
  ['after the deploy, before the record (returning it to idle)', '^app undeploy warm-alpha\\.', false],
  ['after the record (the next recipe starting)', '^app new beta .*cold-beta\\.', true],
]);
