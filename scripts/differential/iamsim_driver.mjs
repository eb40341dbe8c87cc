#!/usr/bin/env node
// Runs scenario files (the `iampol eval` format) through @cloud-copilot/iam-simulate's public API
// (`runSimulation`, Strict mode) and prints one JSON line per scenario:
//
//   {"file","name","decision":"allowed"|"explicitDeny"|"implicitDeny"|"error",
//    "blockedBy":[...],"perType":{"identity":"Allowed",...},"ignoredContextKeys":[...],
//    "sameAccount":bool,"unsupported":[...]?,"errors":...?}
//
// Usage: IAMSIM_DIR=<folder from install-iam-simulate.sh> node iamsim_driver.mjs FILE...
//
// iam-simulate is AGPL-3.0 and runs here as an external program: this file is our own glue and
// only calls its exported functions. How scenario fields are passed on:
//   principal "anonymous"         -> iam-simulate's anonymous principal marker
//   resourceAccount               -> request.resource.accountId (default: the resource ARN's
//                                    account, else the principal's)
//   identityPolicies              -> identityPolicies ({name, policy} or a bare document)
//   resourcePolicy, sessionPolicy -> as is
//   permissionsBoundary           -> permissionBoundaryPolicies (one entry)
//   scps / rcps levels            -> serviceControlPolicies / resourceControlPolicies
//                                    ({target, policies} -> {orgIdentifier, policies});
//                                    iam-simulate adds RCPFullAWSAccess by itself
//   vpcEndpointPolicies           -> vpcEndpointPolicies
//   managementAccount             -> not supported by iam-simulate: passed over, and listed in
//                                    "unsupported" so the comparison can tell
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { createRequire } from 'node:module'

const base = process.env.IAMSIM_DIR || path.join(os.homedir(), '.cache', 'iampol-peers', 'node')
let sim
try {
  sim = createRequire(path.join(base, 'package.json'))('@cloud-copilot/iam-simulate')
} catch (e) {
  console.error(`iamsim_driver: cannot load @cloud-copilot/iam-simulate from ${base}: run install-iam-simulate.sh and set IAMSIM_DIR`)
  process.exit(2)
}

const RESULT = { Allowed: 'allowed', ExplicitlyDenied: 'explicitDeny', ImplicitlyDenied: 'implicitDeny' }

function policyEntries(list, prefix) {
  return (list || []).map((p, i) => {
    if (p && typeof p === 'object' && 'policy' in p && !('Statement' in p)) {
      return { name: p.name || `${prefix}${i + 1}`, policy: p.policy }
    }
    return { name: `${prefix}${i + 1}`, policy: p }
  })
}

function document(p) {
  return p && typeof p === 'object' && 'policy' in p && !('Statement' in p) ? p.policy : p
}

function levels(list, prefix) {
  return (list || []).map((level, i) => ({
    orgIdentifier: level.target || `${prefix}-${i + 1}`,
    policies: policyEntries(level.policies, `${prefix}${i + 1}-`)
  }))
}

function arnAccount(arn) {
  if (typeof arn !== 'string' || !arn.startsWith('arn:')) return ''
  return arn.split(':')[4] || ''
}

export function simulationOf(s) {
  const principal = s.principal === 'anonymous' ? sim.anonymousPrincipal : s.principal
  const accountId = s.resourceAccount || arnAccount(s.resource) || arnAccount(s.principal)
  const simulation = {
    request: {
      principal,
      action: s.action,
      resource: { resource: s.resource, accountId },
      contextVariables: s.context || {}
    },
    identityPolicies: policyEntries(s.identityPolicies, 'identity'),
    serviceControlPolicies: levels(s.scps, 'scp'),
    resourceControlPolicies: levels(s.rcps, 'rcp')
  }
  if (s.resourcePolicy) simulation.resourcePolicy = document(s.resourcePolicy)
  if (s.permissionsBoundary) simulation.permissionBoundaryPolicies = policyEntries([s.permissionsBoundary], 'boundary')
  if (s.sessionPolicy) simulation.sessionPolicy = document(s.sessionPolicy)
  if (s.vpcEndpointPolicies) simulation.vpcEndpointPolicies = policyEntries(s.vpcEndpointPolicies, 'vpce')
  return simulation
}

function outcome(res) {
  if (res.resultType === 'error') return { decision: 'error', errors: res.errors }
  const results = res.resultType === 'single' ? [res.result] : res.results
  const out = {
    decision: RESULT[res.overallResult] || String(res.overallResult),
    blockedBy: [],
    ignoredContextKeys: [],
    perType: {}
  }
  for (const r of results) {
    const a = r.analysis
    if (!a) continue
    for (const b of a.blockedBy || []) if (!out.blockedBy.includes(b)) out.blockedBy.push(b)
    for (const k of r.ignoredContextKeys || []) if (!out.ignoredContextKeys.includes(k)) out.ignoredContextKeys.push(k)
    const layers = {
      identity: a.identityAnalysis, resource: a.resourceAnalysis, scp: a.scpAnalysis, rcp: a.rcpAnalysis,
      pb: a.permissionBoundaryAnalysis, session: a.sessionAnalysis, vpce: a.endpointAnalysis
    }
    for (const [k, v] of Object.entries(layers)) if (v && v.result) out.perType[k] = v.result
    out.sameAccount = a.sameAccount
  }
  if (res.resultType === 'wildcard') out.wildcardResults = results.length
  return out
}

async function main() {
  const files = process.argv.slice(2)
  if (files.length === 0) {
    console.error('usage: IAMSIM_DIR=... node iamsim_driver.mjs SCENARIOS.json...')
    process.exit(2)
  }
  const lines = []
  const flush = () => {
    if (lines.length) process.stdout.write(lines.join('\n') + '\n')
    lines.length = 0
  }
  for (const file of files) {
    let scenarios
    try {
      const parsed = JSON.parse(fs.readFileSync(file, 'utf8'))
      scenarios = Array.isArray(parsed) ? parsed : [parsed]
    } catch (e) {
      console.error(`${file}: ${e.message}`)
      process.exitCode = 2
      continue
    }
    for (const s of scenarios) {
      let line
      try {
        const res = await sim.runSimulation(simulationOf(s), { simulationMode: 'Strict' })
        line = { file, name: s.name, ...outcome(res) }
      } catch (e) {
        line = { file, name: s.name, decision: 'error', errors: String((e && e.message) || e) }
      }
      if (s.managementAccount) line.unsupported = ['managementAccount']
      lines.push(JSON.stringify(line))
      if (lines.length >= 500) flush()
    }
  }
  flush()
}

await main()
