/**
 * The README's arrows, as a failing lint (npm run lint): rules ← services ← bot ← channels, a neutral core every
 * layer may use, and production code that never reaches the local mode. Type-only imports count (tsPreCompilationDeps):
 * a type is a dependency of the design even when it compiles away.
 */
const layer = (names) => `^src/(${names.join('|')})(/|\\.ts$)`;
module.exports = {
  forbidden: [
    {
      name: 'rules-are-pure',
      comment: 'src/rules is pure policy arithmetic: it imports nothing of ours but the neutral core.',
      severity: 'error',
      from: { path: '^src/rules/' },
      to: { path: '^src/', pathNot: ['^src/rules/', '^src/core/'] },
    },
    {
      name: 'core-is-neutral',
      comment: 'src/core holds the shapes every layer shares (messages, templates, the outbox registry, the log).',
      severity: 'error',
      from: { path: '^src/core/' },
      to: { path: '^src/', pathNot: ['^src/core/'] },
    },
    {
      name: 'services-below-the-bot',
      comment: 'Use cases own the ports they need (deliveries, the queue); the bot, channels and jobs sit above them.',
      severity: 'error',
      from: { path: '^src/services/' },
      to: { path: layer(['bot', 'channels', 'jobs', 'app', 'local', 'cli', 'emulator']) },
    },
    {
      name: 'bot-above-services-below-channels',
      comment: 'The bot decides what to say; it reaches data through services, never a platform or the queue runner.',
      severity: 'error',
      from: { path: '^src/bot/' },
      to: { path: layer(['channels', 'jobs', 'app', 'local', 'cli', 'generated']) },
    },
    {
      name: 'bot-never-reaches-the-database',
      comment:
        'The bot gets its use cases with the database bound (src/services/index.ts createServices); it never holds a Db or a Tx, not even as a type.',
      severity: 'error',
      from: { path: '^src/bot/' },
      to: { path: layer(['db']) },
    },
    {
      name: 'channels-only-translate',
      comment: 'A channel turns wire formats into neutral messages and back; it never touches data or the bot.',
      severity: 'error',
      from: { path: '^src/channels/' },
      to: {
        path: layer(['bot', 'services', 'db', 'generated', 'jobs', 'app', 'local', 'cli', 'rules']),
        // the pure Shanghai-date helpers (a quota month, a signing day) are the one piece of the rules a channel needs
        pathNot: '^src/rules/dates\\.ts$',
      },
    },
    {
      name: 'jobs-implement-service-ports',
      comment: 'The outbox runners implement what services ask for; they do not reach the bot or a platform folder.',
      severity: 'error',
      from: { path: '^src/jobs/' },
      to: { path: layer(['bot', 'channels', 'app', 'local', 'cli']) },
    },
    {
      name: 'production-never-reaches-local',
      comment: 'Local platform servers, demo credentials and the emulator are composed by the local mode only.',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/local/' },
      to: { path: '^src/local/' },
    },
    {
      name: 'no-circular',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true, pathNot: '^src/generated/' },
    },
  ],
  options: {
    doNotFollow: { path: ['node_modules', '^src/generated/'] },
    exclude: { path: ['^src/generated/'] },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'] },
  },
};
