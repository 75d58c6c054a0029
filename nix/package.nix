# The coopci package: the project's sources with their npm dependencies
# (production only), and bin/coopci running the TypeScript through tsx.
{ lib, buildNpmPackage, nodejs_20, makeWrapper, git }:
buildNpmPackage {
  pname = "coopci";
  version = "0.1.0";
  src = lib.cleanSource ../.;
  nodejs = nodejs_20;
  # Fill in from the first build's error message (`nix build` prints the right
  # hash): it pins package-lock.json's dependencies. Not computed here: this
  # machine reaches no Nix binary cache or nixpkgs.
  npmDepsHash = lib.fakeHash;
  npmFlags = [ "--omit=dev" ];
  dontNpmBuild = true;
  nativeBuildInputs = [ makeWrapper ];
  installPhase = ''
    runHook preInstall
    mkdir -p $out/lib/coopci $out/bin
    cp -r . $out/lib/coopci
    makeWrapper ${nodejs_20}/bin/node $out/bin/coopci \
      --add-flags $out/lib/coopci/bin/coopci.mjs \
      --prefix PATH : ${lib.makeBinPath [ git ]}
    runHook postInstall
  '';
  meta = {
    description = "Co-op Cloud recipe CI and warm deployments as durable Temporal workflows";
    license = lib.licenses.agpl3Plus;
    mainProgram = "coopci";
  };
}
