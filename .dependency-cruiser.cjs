// Dependency rules of the repository, checked by `npm run lint:deps` (CI runs
// it). They follow the imports TypeScript resolves, relative paths included,
// so a `../../agent/src/…` import cannot slip past a rule the way it slips past
// a package-name lint.
//
// The shape they keep:
// - packages (proto, common, client, controller, agent, web, test) meet only through
//   their package names, never through each other's folders; bench/ is not a
//   package but a client of the test harness, and reaches only into that;
// - the agent and the controller never import each other: both import proto;
// - client/ (the typed HTTP client) is generated from the OpenAPI document and
//   imports no other package, so the CLI, the tests and the bench can use it;
// - inside the controller each outside system has one home: the database in
//   store/, NATS in dispatch/, the HTTP framework in api/ (and the page in
//   web/), gRPC in grpc/, object storage in artifacts/;
// - the pipeline model is pure: no I/O, no clock, no logger.

/** Controller folders that own an outside library: [library path in node_modules, owner folders]. */
const controllerHomes = [
  ['drizzle-orm', ['store']],
  ['pg', ['store']],
  ['pg-pool', ['store']],
  ['@electric-sql/pglite', ['store']],
  ['nats', ['dispatch']],
  ['hono', ['api']],
  ['@hono/[^/]+', ['api']],
  ['@grpc/[^/]+', ['grpc']],
  ['minio', ['artifacts']],
];

const testFile = '\\.test\\.ts$';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-reaching-into-packages',
      comment: 'Packages meet through their names (@gantry/proto, …), never through relative paths into each other.',
      severity: 'error',
      from: { path: '^(proto|common|client|controller|agent|web|test)/' },
      to: {
        dependencyTypes: ['local'],
        path: '^(proto|common|client|controller|agent|web|test|bench)/',
        pathNot: '^$1/',
      },
    },
    {
      name: 'bench-uses-the-test-harness-only',
      severity: 'error',
      from: { path: '^bench/' },
      to: {
        dependencyTypes: ['local'],
        path: '^(proto|common|client|controller|agent|web|test)/',
        pathNot: '^test/src/harness/',
      },
    },
    {
      name: 'client-only-consumes-the-generated-types',
      comment: 'client/ is built from the OpenAPI document, not from the controller: it imports no other package.',
      severity: 'error',
      from: { path: '^client/' },
      to: { path: '^(proto|common|controller|agent|web|test|bench)/|node_modules/@gantry/' },
    },
    {
      name: 'agent-never-imports-controller',
      severity: 'error',
      from: { path: '^agent/' },
      to: { path: '^(controller|web)/' },
    },
    {
      name: 'controller-never-imports-agent',
      severity: 'error',
      from: { path: '^(controller|web|proto|common)/' },
      to: { path: '^agent/' },
    },
    ...controllerHomes.map(([library, owners]) => ({
      name: `only-${owners.join('-')}-imports-${library.replace(/[^a-z0-9]+/gi, '-')}`,
      comment: `Inside the controller, only ${owners.map((owner) => `${owner}/`).join(', ')} imports ${library}.`,
      severity: 'error',
      from: {
        path: '^controller/src/',
        pathNot: [...owners.map((owner) => `^controller/src/${owner}/`), testFile],
      },
      to: { path: `node_modules/${library}/` },
    })),
    {
      name: 'pipeline-is-pure',
      comment: 'controller/src/pipeline parses and plans: it imports only itself, yaml and zod.',
      severity: 'error',
      from: { path: '^controller/src/pipeline/', pathNot: testFile },
      to: {
        pathNot: ['^controller/src/pipeline/', 'node_modules/(yaml|zod)/'],
      },
    },
    {
      name: 'agent-nats-in-queue-only',
      severity: 'error',
      from: { path: '^agent/src/', pathNot: ['^agent/src/queue/', '^agent/src/testing/', testFile] },
      to: { path: 'node_modules/nats/' },
    },
    {
      name: 'agent-grpc-in-client-only',
      severity: 'error',
      from: {
        path: '^agent/src/',
        pathNot: ['^agent/src/(controller-client|work-channel)\\.ts$', '^agent/src/testing/', testFile],
      },
      to: { path: 'node_modules/@grpc/' },
    },
    {
      name: 'no-circular',
      comment: 'Type-only cycles (a route file importing the type of the deps it is given) are harmless.',
      severity: 'error',
      from: {},
      to: { circular: true, viaOnly: { dependencyTypesNot: ['type-only'] } },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: ['(^|/)dist/', '^proto/src/generated/', '(^|/)node_modules/\\.'] },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.base.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.d.ts', '.js', '.mjs', '.cjs'],
    },
    // NodeNext sources import './x.js' for './x.ts'.
    extraExtensionsToScan: ['.mjs'],
  },
};
