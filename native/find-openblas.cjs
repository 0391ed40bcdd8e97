// Prints the linker flags for OpenBLAS, for binding.gyp; when OpenBLAS is
// missing, stops the build with one line that says what to install.
'use strict';
const { existsSync } = require('node:fs');
const { execFileSync } = require('node:child_process');

function fromPkgConfig() {
  try {
    return execFileSync('pkg-config', ['--libs', 'openblas'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return null;
  }
}

function fromLibraryDirs() {
  const dirs = ['/usr/lib/x86_64-linux-gnu', '/usr/lib/aarch64-linux-gnu', '/usr/lib64', '/usr/lib', '/usr/local/lib'];
  const dir = dirs.find((d) => existsSync(`${d}/libopenblas.so`));
  return dir === undefined ? null : `-L${dir} -lopenblas`;
}

const flags = fromPkgConfig() ?? fromLibraryDirs();
if (flags === null) {
  process.stderr.write('nntk: OpenBLAS not found; install it with: apt-get install libopenblas-dev\n');
  process.exit(1);
}
process.stdout.write(flags);
