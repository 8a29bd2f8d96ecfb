#!/usr/bin/env bash
# End-to-end tests of `coffer quote verify` on the real DCAP test vectors:
# exact outputs and exit codes. Usage: quote_cli_test.sh PATH/TO/coffer
set -uo pipefail
coffer=$1
data=src/attest/testdata/dcap
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
source "$(dirname "${BASH_SOURCE[0]}")/../../tests/lib/expect.sh"

now=(--now 2025-07-01T00:00:00Z)
expect "sgx quote with collateral" 0 \
  "tcb_status: ConfigurationAndSWHardeningNeeded" -- \
  "$coffer" quote verify "$data/sgx_quote" \
  --collateral "$data/sgx_quote_collateral.json" "${now[@]}"
expect "advisories" 0 "advisory_ids: INTEL-SA-00289, INTEL-SA-00615" -- \
  "$coffer" quote verify "$data/sgx_quote" \
  --collateral "$data/sgx_quote_collateral.json" "${now[@]}"
expect "json" 0 '{"type":"tdx","tcb_status":"UpToDate","advisory_ids":[],"debug":false,' -- \
  "$coffer" quote verify --json "$data/tdx_quote" \
  --collateral "$data/tdx_quote_collateral.json" "${now[@]}"
expect "expired collateral" 1 \
  "coffer: quote verify: $data/sgx_quote: collateral expired: tcb_info nextUpdate 2025-07-19T10:56:11Z is before now 2026-11-29T00:00:00Z" -- \
  "$coffer" quote verify "$data/sgx_quote" \
  --collateral "$data/sgx_quote_collateral.json" --now 2026-11-29T00:00:00Z
expect "no collateral: TCB unknown" 0 \
  "coffer: quote verify: no --collateral: the TCB status is unknown" -- \
  "$coffer" quote verify "$data/more/oe_debug_quote" "${now[@]}"
expect "debug flag" 0 "debug: true" -- \
  "$coffer" quote verify "$data/more/oe_debug_quote" "${now[@]}"
cp "$data/sgx_quote" "$work/flipped"
printf '\x01' | dd of="$work/flipped" bs=1 seek=400 conv=notrunc status=none
expect "tampered quote" 1 \
  "coffer: quote verify: $work/flipped: quote signature does not verify" -- \
  "$coffer" quote verify "$work/flipped" "${now[@]}"
openssl x509 -in "$data/more/intel-test-root/trustedRootCaCert.pem" \
  -outform DER -out "$work/test_root.der"
expect "another root" 1 "not at the pinned root" -- \
  "$coffer" quote verify "$data/sgx_quote" --root "$work/test_root.der" "${now[@]}"
expect "the production root by default" 0 "authentic sgx quote" -- \
  "$coffer" quote verify "$data/sgx_quote" --root "$data/TrustedRootCA.der" "${now[@]}"
expect "bad --now" 2 '--now: "July" is not an RFC 3339 time' -- \
  "$coffer" quote verify "$data/sgx_quote" --now July
expect "missing quote" 2 "cannot read $work/none" -- \
  "$coffer" quote verify "$work/none"
echo '{}' >"$work/empty.json"
expect "malformed collateral" 2 \
  "$work/empty.json: collateral: pck_crl_issuer_chain: missing" -- \
  "$coffer" quote verify "$data/sgx_quote" --collateral "$work/empty.json"
expect "bad --root" 2 "--root $data/sgx_quote:" -- \
  "$coffer" quote verify "$data/sgx_quote" --root "$data/sgx_quote"

expect_summary
