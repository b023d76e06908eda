#!/usr/bin/env bash
# Builds the Azure Functions deployment package of the custom handler:
#   artifacts/package/           staging folder (azure.yaml's `dist`; azd zips it itself)
#   artifacts/smsfunctions.zip   the same content zipped, for `az functionapp deployment source
#                                config-zip` / OneDeploy and for tests/SmsFunctions.Packaging.Tests
# Layout at the package root, as the Functions host expects it:
#   host.json, SmsFunctions.App (self-contained linux-x64, ReadyToRun, executable) and its files,
#   <FunctionName>/function.json for every folder of functions/SmsFunctions.App/FunctionDefinitions.
# Needs: dotnet SDK, zip (Debian package `zip`). Run on Linux: the execute bit must be real.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
app_project="$repo_root/functions/SmsFunctions.App"
definitions="$app_project/FunctionDefinitions"
artifacts="$repo_root/artifacts"
# PUBLISH_OUTPUT_DIR moves the staging folder and the zip elsewhere (the packaging tests use a
# temporary folder so they never overwrite a package someone is about to deploy).
output_dir="${PUBLISH_OUTPUT_DIR:-$artifacts}"
staging="$output_dir/package"
zip_path="$output_dir/smsfunctions.zip"
executable="SmsFunctions.App"

command -v zip >/dev/null || { echo "publish.sh: 'zip' is missing (apt-get install zip)" >&2; exit 1; }
[[ -f "$repo_root/host.json" ]] || { echo "publish.sh: $repo_root/host.json is missing" >&2; exit 1; }

rm -rf "$staging" "$zip_path"
mkdir -p "$staging"
zip_path="$(cd "$output_dir" && pwd)/$(basename "$zip_path")"

# Self-contained: the Flex Consumption "custom" runtime image has no .NET. ReadyToRun: the host gives
# the handler 30 s to answer on FUNCTIONS_CUSTOMHANDLER_PORT, and a cold start pays for JIT.
# --artifacts-path keeps this RID-specific build out of the project's bin/ and obj/, which other
# builds and the test runs use at the same time.
dotnet publish "$app_project" \
  --configuration Release \
  --runtime linux-x64 \
  --self-contained true \
  -p:PublishReadyToRun=true \
  --artifacts-path "$artifacts/publish-build" \
  --output "$staging" \
  --nologo

cp "$repo_root/host.json" "$staging/host.json"

function_count=0
for definition in "$definitions"/*/function.json; do
  [[ -e "$definition" ]] || continue
  name="$(basename "$(dirname "$definition")")"
  # The App project may already publish <Name>/function.json itself; anything else there is a clash.
  if [[ -e "$staging/$name" && ! -d "$staging/$name" ]]; then
    echo "publish.sh: function folder '$name' collides with the published file $name" >&2
    exit 1
  fi
  if [[ -d "$staging/$name" ]] && find "$staging/$name" -mindepth 1 ! -name function.json | grep -q .; then
    echo "publish.sh: function folder '$name' collides with published files under $name/" >&2
    exit 1
  fi
  mkdir -p "$staging/$name"
  cp "$definition" "$staging/$name/function.json"
  function_count=$((function_count + 1))
done
(( function_count > 0 )) || { echo "publish.sh: no function.json under $definitions" >&2; exit 1; }

# If the App project also copies FunctionDefinitions on publish, drop that copy: the host reads only
# the <Name>/function.json folders at the root.
rm -rf "$staging/FunctionDefinitions"

[[ -f "$staging/$executable" ]] || { echo "publish.sh: $executable was not published" >&2; exit 1; }
chmod +x "$staging/$executable"

# -X: no extra (uid/gid, timestamps) fields; zip keeps the unix mode, so the execute bit survives.
(cd "$staging" && zip -r -X -q "$zip_path" .)

echo "publish.sh: $function_count functions -> $zip_path ($(du -h "$zip_path" | cut -f1))"
