// Preloaded into npm (NODE_OPTIONS=--require) by t/npm/audit.t: npm audit
// signatures first asks Sigstore's TUF repository, on the internet, for
// the registry's keys; the test machine has no internet.  This stands in
// for that one lookup and nothing else: it records the target npm asked
// for in $TUF_STUB_LOG and answers "target not found" (npm then fetches
// the keys from the registry itself, npm-protocol.md 6.19), or, with
// $TUF_STUB_TARGET, the contents of that file as the target.
'use strict'
const fs = require('fs')
const path = require('path')
const Module = require('module')

// The @sigstore/tuf that the npm being run would load.
const cli = fs.realpathSync(process.argv[1])
const file = require.resolve('@sigstore/tuf', { paths: [path.dirname(cli)] })
const stub = new Module(file)
stub.filename = file
stub.loaded = true
stub.exports = {
  initTUF: async () => ({
    getTarget: async (target) => {
      if (process.env.TUF_STUB_LOG) {
        fs.appendFileSync(process.env.TUF_STUB_LOG, `${target}\n`)
      }
      if (process.env.TUF_STUB_TARGET) {
        return fs.readFileSync(process.env.TUF_STUB_TARGET, 'utf8')
      }
      const e = new Error(`target ${target} not found`)
      e.code = 'TUF_FIND_TARGET_ERROR'
      throw e
    },
  }),
}
require.cache[file] = stub
