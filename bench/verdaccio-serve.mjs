// bench/verdaccio-serve.mjs: starts Verdaccio for bench/compare through
// its programmatic API (runServer), the way an application embeds it.
// Verdaccio 6.10.4's command line refuses any Node older than 22 before it
// reads its configuration; its server itself runs on the Node 20 this
// machine has, and bench/compare checks every answer it measures.
//
//   node bench/verdaccio-serve.mjs INSTALL_DIR CONFIG HOST PORT
import { pathToFileURL } from 'node:url';

const [install, config, host, port] = process.argv.slice(2);
const entry = `${install}/node_modules/verdaccio/build/index.mjs`;
const { runServer } = await import(pathToFileURL(entry).href);
const server = await runServer(config);
server.listen(Number(port), host, () => {
  console.log(`verdaccio-serve: listening on ${host}:${port}`);
});
