#!/usr/bin/env bash
# The package as a user gets it: `npm pack` the repository, install the
# tarball into an empty project outside the repository (its dependencies from
# the npm registry; the addon from the tarball's prebuild or built from its
# sources), then run an ESM consumer and a TypeScript consumer, type-checked
# with --strict against the package's own .d.ts files.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/nntk-consumer-XXXXXX")
trap 'rm -rf "$work"' EXIT

echo "== npm pack" >&2
tarball=$(cd "$repo" && npm pack --silent --pack-destination "$work" | tail -n 1)
tar -tzf "$work/$tarball" > "$work/contents"
for expected in package/dist/index.js package/dist/index.d.ts package/native package/binding.gyp package/CMakeLists.txt \
  package/LICENSE package/README.md package/docs/decompositions.md; do
  grep -q "^$expected" "$work/contents" || { echo "consumer.sh: $expected is missing from $tarball" >&2; exit 1; }
done

echo "== install $tarball into an empty project" >&2
mkdir "$work/project"
cd "$work/project"
printf '{ "name": "nntk-consumer", "private": true, "type": "module" }\n' > package.json
npm install --no-audit --no-fund --silent "$work/$tarball" "typescript@$(node -p "require('$repo/node_modules/typescript/package.json').version")" \
  "@types/node@$(node -p "require('$repo/node_modules/@types/node/package.json').version")"

echo "== ESM consumer" >&2
cp "$repo/test/package/consumer.mjs" "$repo/test/package/consumer.ts" .
node consumer.mjs

echo "== TypeScript consumer (tsc --strict --noEmit, then run)" >&2
cat > tsconfig.json <<'JSON'
{
  "compilerOptions": {
    "target": "ES2022", "module": "NodeNext", "moduleResolution": "NodeNext", "types": ["node"],
    "strict": true, "noUncheckedIndexedAccess": true, "exactOptionalPropertyTypes": true, "outDir": "out"
  },
  "files": ["consumer.ts"]
}
JSON
npx tsc --noEmit -p tsconfig.json
npx tsc -p tsconfig.json
node out/consumer.js
