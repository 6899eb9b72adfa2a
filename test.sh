#!/usr/bin/env bash
# Runs every test on a fresh Debian machine: installs the real peers the tests use, checks formatting,
# builds, and runs the unit, protocol and end-to-end suites.
set -euo pipefail
cd "$(dirname "$0")"

scripts/install-test-deps.sh
dotnet format Carrier.slnx --verify-no-changes
dotnet build Carrier.slnx -c Release
dotnet test tests/Carrier.Tests/Carrier.Tests.csproj -c Release --no-build --logger "console;verbosity=normal"
dotnet test tests/Carrier.IntegrationTests/Carrier.IntegrationTests.csproj -c Release --no-build --logger "console;verbosity=normal"
