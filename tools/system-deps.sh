#!/usr/bin/env bash
# Installs the Debian packages kyso needs, only when one is missing, so warm runs stay fast.
#   softhsm2      the PKCS#11 token emulator (subscribers' USB tokens)
#   opensc        pkcs11-tool and pkcs11-spy: an independent PKCS#11 client and call tracer
#   openssl       an independent OCSP/CRL client for the tests; openssl rehash (CApath form)
#   poppler-utils pdfsig/pdftoppm: independent PDF signature checker and renderer
#   libnss3-tools certutil: builds the NSS trust database NSS-based products read (pdfsig,
#                 Firefox, LibreOffice) from the trust anchors, and lists it in the tests
#   fonts-dejavu-core  a TTF with Vietnamese glyphs for visible signatures and reports
#   gcc           builds the PKCS#11 PIN-lockout module (SoftHSM2 has no lockout)
#   faketime      libfaketime: a cli/batch SUT with clock = "faketime" runs under it, at the
#                 case's instant (products that read the machine's clock and take no --at)
#   chromium      headless, to look at the HTML report as a person would (screenshot test)
#   bubblewrap    bwrap: the sandbox every process SUT runs in (own user, PID and mount
#                 namespaces; it sees the read-only system and its case's files only)
#   strace        records the SUT's file calls in the sandbox: what it tried is a finding
#   xmlsec1       an independent XML-DSig verifier for the tests (the reference XAdES/XML-DSig
#                 signatures must verify with it too)
set -euo pipefail

need=()
[ -e /usr/lib/softhsm/libsofthsm2.so ] || need+=(softhsm2)
command -v pkcs11-tool >/dev/null 2>&1 || need+=(opensc)
command -v openssl >/dev/null 2>&1 || need+=(openssl)
command -v pdfsig >/dev/null 2>&1 || need+=(poppler-utils)
command -v certutil >/dev/null 2>&1 || need+=(libnss3-tools)
[ -e /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || need+=(fonts-dejavu-core)
command -v cc >/dev/null 2>&1 || need+=(gcc)
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v faketime >/dev/null 2>&1 || need+=(faketime)
command -v bwrap >/dev/null 2>&1 || need+=(bubblewrap)
command -v strace >/dev/null 2>&1 || need+=(strace)
command -v xmlsec1 >/dev/null 2>&1 || need+=(xmlsec1)

[ ${#need[@]} -eq 0 ] && exit 0

echo "kyso: installing missing system packages: ${need[*]}" >&2
if [ "$(id -u)" -eq 0 ]; then
    as_root=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    as_root=(sudo -n)
else
    echo "kyso: cannot install ${need[*]}: not root and no password-less sudo." >&2
    echo "kyso: run as root:  apt-get update && apt-get install -y ${need[*]}" >&2
    exit 1
fi
if ! command -v apt-get >/dev/null 2>&1; then
    echo "kyso: no apt-get on this machine; install by hand: ${need[*]} (Debian package names)" >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
"${as_root[@]}" apt-get update -qq
"${as_root[@]}" apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
echo "kyso: system packages ready" >&2
