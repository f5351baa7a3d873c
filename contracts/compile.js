#!/usr/bin/env node
// Compiles every .sol file under src/ with the pinned solc npm package (standard JSON, through
// solc.compile, not the solcjs CLI) and writes one artifact per deployable contract to
// artifacts/<ContractName>.json, shaped like solc's per-contract output:
//   {"abi": [...], "evm": {"bytecode": {"object": "<hex>"}, "deployedBytecode": {"object": "<hex>"}}}
// Artifacts are deterministic (sorted keys, 2-space indent, trailing newline) and committed; stale
// artifacts are removed. Interfaces and abstract contracts (empty bytecode) and internal-only
// libraries (empty ABI) get no artifact. Exits 1 on any compiler error or on a contract name used twice.
'use strict';

const fs = require('fs');
const path = require('path');
const solc = require('solc');

const ROOT = __dirname;
const SRC_DIR = path.join(ROOT, 'src');
const OUT_DIR = path.join(ROOT, 'artifacts');

/** All .sol files under `dir`, as sorted POSIX paths relative to ROOT (e.g. "src/lib/X.sol"). */
function findSources(dir) {
  const found = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) found.push(...findSources(full));
    else if (entry.isFile() && entry.name.endsWith('.sol')) {
      found.push(path.relative(ROOT, full).split(path.sep).join('/'));
    }
  }
  return found.sort();
}

/** Import callback: resolves only files inside src/ (every import should already be a source). */
function findImports(importPath) {
  const full = path.resolve(ROOT, importPath);
  if (!full.startsWith(SRC_DIR + path.sep)) return { error: `import outside src/: ${importPath}` };
  try {
    return { contents: fs.readFileSync(full, 'utf8') };
  } catch (e) {
    return { error: `cannot read ${importPath}: ${e.message}` };
  }
}

/** Copy of `value` with object keys sorted recursively (arrays keep their order). */
function sortKeys(value) {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object') {
    const sorted = {};
    for (const key of Object.keys(value).sort()) sorted[key] = sortKeys(value[key]);
    return sorted;
  }
  return value;
}

function main() {
  const started = Date.now();
  const files = findSources(SRC_DIR);
  if (files.length === 0) {
    console.error('no .sol files under src/');
    return 1;
  }

  const sources = {};
  for (const file of files) sources[file] = { content: fs.readFileSync(path.join(ROOT, file), 'utf8') };

  const input = {
    language: 'Solidity',
    sources,
    settings: {
      optimizer: { enabled: true, runs: 200 },
      viaIR: true,
      evmVersion: 'prague',
      metadata: { bytecodeHash: 'none' },
      outputSelection: {
        '*': { '*': ['abi', 'evm.bytecode.object', 'evm.deployedBytecode.object'] },
      },
    },
  };

  const output = JSON.parse(solc.compile(JSON.stringify(input), { import: findImports }));

  let failed = false;
  for (const message of output.errors || []) {
    const text = message.formattedMessage || message.message;
    if (message.severity === 'error') {
      failed = true;
      console.error(text);
    } else {
      console.warn(text);
    }
  }
  if (failed) {
    console.error('compilation failed');
    return 1;
  }

  // Contract names must be unique across src/: the artifact file is named after the contract.
  const artifacts = new Map();
  const seen = new Map();
  for (const file of Object.keys(output.contracts || {}).sort()) {
    for (const name of Object.keys(output.contracts[file]).sort()) {
      if (seen.has(name)) {
        console.error(`contract name ${name} is used twice: ${seen.get(name)} and ${file}`);
        failed = true;
        continue;
      }
      seen.set(name, file);
      const contract = output.contracts[file][name];
      const bytecode = contract.evm.bytecode.object;
      // Interfaces and abstract contracts have no bytecode; internal-only libraries have a stub
      // bytecode but an empty ABI. Neither is deployed on its own.
      if (!bytecode || contract.abi.length === 0) continue;
      const artifact = {
        abi: contract.abi,
        evm: {
          bytecode: { object: bytecode },
          deployedBytecode: { object: contract.evm.deployedBytecode.object },
        },
      };
      artifacts.set(`${name}.json`, JSON.stringify(sortKeys(artifact), null, 2) + '\n');
    }
  }
  if (failed) return 1;

  fs.mkdirSync(OUT_DIR, { recursive: true });
  for (const entry of fs.readdirSync(OUT_DIR)) {
    if (entry.endsWith('.json') && !artifacts.has(entry)) {
      fs.unlinkSync(path.join(OUT_DIR, entry));
      console.log(`removed stale artifacts/${entry}`);
    }
  }
  for (const [fileName, text] of artifacts) {
    const target = path.join(OUT_DIR, fileName);
    // Leave unchanged files untouched so their modification times stay stable for build scripts.
    if (fs.existsSync(target) && fs.readFileSync(target, 'utf8') === text) continue;
    fs.writeFileSync(target, text);
  }

  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  console.log(
    `solc ${solc.version()}: ${files.length} sources, ${artifacts.size} artifacts in artifacts/ (${seconds} s)`,
  );
  return 0;
}

process.exitCode = main();
