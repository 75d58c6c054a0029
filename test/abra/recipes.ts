/**
 * The conformance suite's recipes. `conf` is shaped like bonfire-networks'
 * recipe: a COMPOSE_FILE chain of two files (and a third, commented out),
 * quoted values, `${DOMAIN}` references, `# length=` and `# generate=false`
 * comments, a commented-out secret. Its 1.2.0 release crash-loops. `lintapp`
 * has a release without an `app` service and one without `.env.sample`;
 * `lightweight` has one release tagged without -a. `hooks` declares backups
 * with every backupbot label, each hook leaving its trace in /hooks.log.
 */
import type { Release } from './world';

export const CONF_SAMPLE = `TYPE=conf

# the app's domain: abra app new puts the app's own here
DOMAIN=conf.example.com
LETS_ENCRYPT_ENV=production

COMPOSE_FILE="compose.yml"
# the worker, chained the way bonfire chains its extras
COMPOSE_FILE="$COMPOSE_FILE:compose.worker.yml"
#COMPOSE_FILE="$COMPOSE_FILE:compose.mail.yml"

PUBLIC_URL=https://\${DOMAIN}
GREETING='hello \${DOMAIN}' # single quotes: taken literally

SECRET_DB_PASSWORD_VERSION=v1 # length=12
SECRET_API_KEY_VERSION=v2
SECRET_MANUAL_VERSION=v1 # generate=false
#SECRET_MAIL_KEY_VERSION=v1
# declared here, used by no compose file: not the app's secret
SECRET_UNUSED_VERSION=v1
`;

const service = (command: string, extra = '', labels: string[] = []) => `    image: coopci/busybox:1
    command: ["sh", "-c", "${command}"]
    # busybox as PID 1 ignores SIGTERM; do not wait the default 10 s on every stop.
    stop_grace_period: 1s
${extra}    deploy:
      update_config:
        monitor: 1s
${labels.length ? `      labels:\n${labels.map((l) => `        - ${JSON.stringify(l)}\n`).join('')}` : ''}`;

const HTTPD = 'exec httpd -f -p 8080 -h /';

const confCompose = (version: string, command: string) => `version: "3.8"
services:
  app:
${service(
  command,
  `    environment:
      - RELEASE=${version}
      - PUBLIC_URL=\${PUBLIC_URL}
      - GREETING=\${GREETING}
    secrets:
      - db_password
      - api_key
`,
)}secrets:
  db_password:
    external: true
    name: \${STACK_NAME}_db_password_\${SECRET_DB_PASSWORD_VERSION}
  api_key:
    external: true
    name: \${STACK_NAME}_api_key_\${SECRET_API_KEY_VERSION}
`;

const CONF_WORKER = `version: "3.8"
services:
  worker:
${service(HTTPD, '    secrets:\n      - manual\n')}secrets:
  manual:
    external: true
    name: \${STACK_NAME}_manual_\${SECRET_MANUAL_VERSION}
`;

// Not in the app's COMPOSE_FILE: its secret, whose version line is commented out, is not the app's.
const CONF_MAIL = `version: "3.8"
services:
  app:
    secrets:
      - mail_key
secrets:
  mail_key:
    external: true
    name: \${STACK_NAME}_mail_key_\${SECRET_MAIL_KEY_VERSION}
`;

const confRelease = (version: string, command = HTTPD): Release => ({
  version,
  files: { '.env.sample': CONF_SAMPLE, 'compose.yml': confCompose(version, command), 'compose.worker.yml': CONF_WORKER, 'compose.mail.yml': CONF_MAIL },
});

export const CONF: Release[] = [confRelease('1.0.0+1.0'), confRelease('1.1.0+1.1'), confRelease('1.2.0+1.2', 'exit 3')];

const plain = (name: string, serviceName = 'app') => ({
  '.env.sample': `TYPE=${name}\nDOMAIN=${name}.example.com\n`,
  'compose.yml': `version: "3.8"\nservices:\n  ${serviceName}:\n${service(HTTPD)}`,
});

export const LINTAPP: Release[] = [
  { version: '1.0.0+1.0', files: plain('lintapp') },
  { version: '1.1.0+1.1', files: plain('lintapp', 'web') },
  { version: '1.2.0+1.2', files: { 'compose.yml': plain('lintapp')['compose.yml'] } },
];

export const LIGHTWEIGHT: Release[] = [
  { version: '1.0.0+1.0', files: plain('lightweight') },
  { version: '1.1.0+1.1', files: plain('lightweight'), lightweight: true },
];

/**
 * app: two declared paths of its volume (not /data/skip), one of them made by
 * the pre-hook and removed by the post-hook; the restore pre-hook removes
 * /data/keep, so the restore post-hook finds it only if the copy came between.
 * worker: no path label, so its volumes, less `cache` (excluded) and cut down
 * to `kept/` of `work`. other: no labels, nothing of it saved.
 */
const HOOKS_COMPOSE = `version: "3.8"
services:
  app:
${service('echo keep > /data/keep && echo skip > /data/skip && ' + HTTPD, '    volumes:\n      - data:/data\n', [
  'backupbot.backup=true',
  'backupbot.backup.path=/data/keep, /data/made-by-pre',
  'backupbot.backup.pre-hook=echo backup-pre >> /hooks.log && echo made by the pre-hook > /data/made-by-pre',
  'backupbot.backup.post-hook=rm /data/made-by-pre && echo backup-post >> /hooks.log',
  'backupbot.restore.pre-hook=rm /data/keep && echo restore-pre >> /hooks.log',
  'backupbot.restore.post-hook=echo restore-post >> /hooks.log && cat /data/keep >> /hooks.log',
])}  worker:
${service(
  'mkdir -p /work/kept /work/dropped && echo w > /work/kept/file && echo w > /work/dropped/file && echo c > /cache/file && ' + HTTPD,
  '    volumes:\n      - work:/work\n      - cache:/cache\n',
  ['backupbot.backup=true', 'backupbot.backup.volumes.cache=false', 'backupbot.backup.volumes.work.path=kept'],
)}  other:
${service('echo o > /other/file && ' + HTTPD, '    volumes:\n      - other:/other\n')}volumes:
  data:
  work:
  cache:
  other:
`;

export const HOOKS: Release[] = [{ version: '1.0.0+1.0', files: { '.env.sample': plain('hooks')['.env.sample'], 'compose.yml': HOOKS_COMPOSE } }];
