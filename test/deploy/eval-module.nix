# Evaluates nix/module.nix the way the NixOS module system would call it, with
# a minimal stand-in for nixpkgs' `lib` and `pkgs` (nixpkgs cannot be fetched
# on the machines that run the tests). The stand-in only implements what the
# module uses; `mkIf` stays visible as { _type = "if"; condition; content; }
# so the test can check what is conditional. Prints the module's `config`.
{ devServer ? false, apiKeyFile ? null, tls ? false }:
let
  pkg = name: { outPath = "/nix/store/00000000000000000000000000000000-${name}"; inherit name; };
  lib = {
    mkEnableOption = description: { _type = "option"; default = false; inherit description; };
    mkOption = attrs: { _type = "option"; } // attrs;
    mkIf = condition: content: { _type = "if"; inherit condition content; };
    optionalAttrs = cond: attrs: if cond then attrs else { };
    optionals = cond: list: if cond then list else [ ];
    optionalString = cond: s: if cond then s else "";
    concatMap = f: list: builtins.concatLists (map f list);
    escapeShellArgs = args: builtins.concatStringsSep " " (map (a: "'${a}'") args);
    types = {
      bool = "bool"; str = "str"; attrs = "attrs"; package = "package"; path = "path"; port = "port";
      nullOr = t: "null or ${t}";
    };
  };
  pkgs = {
    writeText = name: text: builtins.toFile name text;
    git = pkg "git"; docker = pkg "docker"; temporal-cli = pkg "temporal-cli";
  };
  services.coopci = {
    enable = true;
    package = pkg "coopci";
    settings = { ciDomain = "ci.example.org"; server = "default"; stateDir = "/var/lib/coopci"; abra.dir = "/var/lib/coopci/abra"; };
    configFile = null;
    temporal = {
      address = "temporal.internal:7233";
      namespace = "coop";
      tls = if tls
        then { clientCertPath = "/run/keys/client.pem"; clientKeyPath = "/run/keys/client.key"; serverCaCertPath = null; serverName = "temporal.internal"; }
        else { clientCertPath = null; clientKeyPath = null; serverCaCertPath = null; serverName = null; };
    };
    environmentFile = apiKeyFile;
    abraPackage = null;
    applySchedules = true;
    convergeAtStart = true;
    devServer = { enable = devServer; temporalPackage = pkgs.temporal-cli; port = 7233; uiPort = 8233; };
  };
  module = import ../../nix/module.nix { config = { inherit services; }; inherit lib pkgs; };
in
{
  optionNames = builtins.attrNames module.options.services.coopci;
  config = module.config;
}
