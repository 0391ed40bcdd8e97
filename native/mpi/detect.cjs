// Prints 1 when OpenMPI and ScaLAPACK are installed (pkg-config knows
// scalapack-openmpi and mpi-c), else 0: binding.gyp and CMakeLists.txt build
// the distributed addon (nntk_mpi.node) only then. NNTK_NO_MPI=1 prints 0.
'use strict';
const { execFileSync } = require('node:child_process');

function found() {
  if (process.env.NNTK_NO_MPI === '1') return false;
  try {
    execFileSync('pkg-config', ['--exists', 'scalapack-openmpi', 'mpi-c'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
process.stdout.write(found() ? '1' : '0');
