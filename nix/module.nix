# NixOS module: services.coopci runs the coopci worker as a hardened systemd
# service, applies the Temporal schedules each time it starts, and can run a
# single-host Temporal dev server (with its Web UI on loopback) beside it.
#
#   imports = [ coopci.nixosModules.default ];
#   services.coopci = {
#     enable = true;
#     settings = { ciDomain = "ci.example.org"; server = "ci.example.org"; ... };  # see docs/configuration.md
#     devServer.enable = true;                  # or temporal.address = "temporal.internal:7233";
#     environmentFile = "/run/secrets/coopci";  # TEMPORAL_API_KEY=..., kept out of the Nix store
#   };
{ config, lib, pkgs, ... }:
let
  cfg = config.services.coopci;
  inherit (lib) mkEnableOption mkIf mkOption types optionalAttrs optionals;
  # JSON is YAML: the coopci config loader reads it as is.
  configFile = if cfg.configFile != null then cfg.configFile else pkgs.writeText "coopci.yaml" (builtins.toJSON cfg.settings);
  coopci = "${cfg.package}/bin/coopci";
  searchAttributes = [ "CoopciKind" "CoopciSweepId" "CoopciRecipe" "CoopciVersion" "CoopciLabel" "CoopciPhase" "CoopciFlaky" ];
  tls = cfg.temporal.tls;
  # Temporal's own environment variable names (envconfig), read by the worker and the CLI alike.
  temporalEnv = {
    TEMPORAL_ADDRESS = cfg.temporal.address;
    TEMPORAL_NAMESPACE = cfg.temporal.namespace;
  }
  // optionalAttrs (tls.clientCertPath != null) { TEMPORAL_TLS_CLIENT_CERT_PATH = tls.clientCertPath; }
  // optionalAttrs (tls.clientKeyPath != null) { TEMPORAL_TLS_CLIENT_KEY_PATH = tls.clientKeyPath; }
  // optionalAttrs (tls.serverCaCertPath != null) { TEMPORAL_TLS_SERVER_CA_CERT_PATH = tls.serverCaCertPath; }
  // optionalAttrs (tls.serverName != null) { TEMPORAL_TLS_SERVER_NAME = tls.serverName; };
  hardening = {
    NoNewPrivileges = true;
    ProtectSystem = "strict";
    ProtectHome = true;
    PrivateTmp = true;
    PrivateDevices = true;
    ProtectKernelTunables = true;
    ProtectKernelModules = true;
    ProtectControlGroups = true;
    RestrictSUIDSGID = true;
    RestrictRealtime = true;
    LockPersonality = true;
  };
  nullOrStr = description: mkOption { type = types.nullOr types.str; default = null; inherit description; };
in
{
  options.services.coopci = {
    enable = mkEnableOption "coopci, Co-op Cloud recipe CI and warm deployments on Temporal";
    package = mkOption {
      type = types.package;
      description = "The coopci package (provides bin/coopci), e.g. the flake's packages.default.";
    };
    settings = mkOption {
      type = types.attrs;
      default = { };
      description = "The coopci configuration (docs/configuration.md); ignored when configFile is set.";
    };
    configFile = mkOption {
      type = types.nullOr types.path;
      default = null;
      description = "A coopci YAML configuration file, instead of settings.";
    };
    temporal = {
      address = mkOption { type = types.str; default = "127.0.0.1:7233"; description = "Temporal frontend (TEMPORAL_ADDRESS)."; };
      namespace = mkOption { type = types.str; default = "default"; description = "Temporal namespace (TEMPORAL_NAMESPACE)."; };
      tls = {
        clientCertPath = nullOrStr "Client certificate for mTLS (TEMPORAL_TLS_CLIENT_CERT_PATH).";
        clientKeyPath = nullOrStr "Client key for mTLS (TEMPORAL_TLS_CLIENT_KEY_PATH); keep it out of the store.";
        serverCaCertPath = nullOrStr "CA to trust for the server (TEMPORAL_TLS_SERVER_CA_CERT_PATH).";
        serverName = nullOrStr "Server name to verify (TEMPORAL_TLS_SERVER_NAME).";
      };
    };
    environmentFile = mkOption {
      type = types.nullOr types.path;
      default = null;
      description = "Extra environment for the worker, e.g. TEMPORAL_API_KEY=..., read at start and kept out of the Nix store.";
    };
    abraPackage = mkOption {
      type = types.nullOr types.package;
      default = null;
      description = "abra, put on the worker's PATH (settings.abra.bin may also name it by path).";
    };
    applySchedules = mkOption {
      type = types.bool;
      default = true;
      description = "Create or update the Temporal schedules (weekly sweep, proxy deploy, converge) each time the worker starts.";
    };
    convergeAtStart = mkOption {
      type = types.bool;
      default = true;
      description = "Start the warm converge (proxy first) each time the worker starts, after the schedules: a host booted from scratch comes up with its warm apps.";
    };
    devServer = {
      enable = mkEnableOption "a single-host Temporal dev server (SQLite file, Web UI on 127.0.0.1:8233) for the worker";
      temporalPackage = mkOption {
        type = types.package;
        default = pkgs.temporal-cli;
        description = "The Temporal CLI that runs the dev server.";
      };
      port = mkOption { type = types.port; default = 7233; description = "Frontend port, on loopback."; };
      uiPort = mkOption { type = types.port; default = 8233; description = "Web UI port, on loopback."; };
    };
  };

  config = mkIf cfg.enable {
    users.users.coopci = {
      isSystemUser = true;
      group = "coopci";
      # The Docker socket belongs to the docker group: the worker drives the Swarm through it.
      extraGroups = [ "docker" ];
      home = "/var/lib/coopci";
    };
    users.groups.coopci = { };

    systemd.services.coopci-temporal = mkIf cfg.devServer.enable {
      description = "Temporal dev server for coopci";
      wantedBy = [ "multi-user.target" ];
      after = [ "network.target" ];
      serviceConfig = hardening // {
        ExecStart = lib.escapeShellArgs ([
          "${cfg.devServer.temporalPackage}/bin/temporal" "server" "start-dev"
          "--ip" "127.0.0.1" "--port" (toString cfg.devServer.port)
          "--ui-ip" "127.0.0.1" "--ui-port" (toString cfg.devServer.uiPort)
          "--db-filename" "/var/lib/coopci-temporal/temporal.db"
        ] ++ lib.concatMap (sa: [ "--search-attribute" "${sa}=Keyword" ]) searchAttributes);
        DynamicUser = true;
        StateDirectory = "coopci-temporal";
        Restart = "always";
        RestartSec = 5;
      };
    };

    systemd.services.coopci-worker = {
      description = "coopci Temporal worker";
      wantedBy = [ "multi-user.target" ];
      after = [ "network-online.target" "docker.service" ] ++ optionals cfg.devServer.enable [ "coopci-temporal.service" ];
      wants = [ "network-online.target" ];
      requires = optionals cfg.devServer.enable [ "coopci-temporal.service" ];
      path = [ pkgs.git pkgs.docker ] ++ optionals (cfg.abraPackage != null) [ cfg.abraPackage ];
      # Its live heap is small; without these limits (old and young generation) V8 lets garbage grow the process past 300 MiB in a 1000-recipe sweep (README "Performance").
      environment = temporalEnv // { COOPCI_CONFIG = "${configFile}"; NODE_OPTIONS = "--max-old-space-size=256 --max-semi-space-size=8"; };
      serviceConfig = hardening // {
        ExecStart = "${coopci} worker" + lib.optionalString cfg.applySchedules " --apply-schedules" + lib.optionalString cfg.convergeAtStart " --converge-at-start";
        Restart = "always";
        RestartSec = 5;
        User = "coopci";
        Group = "coopci";
        StateDirectory = "coopci";
        WorkingDirectory = "/var/lib/coopci";
        ReadWritePaths = [ "/var/lib/coopci" ];
        # Drain in-flight activities on stop: the worker lets them run up to 15 minutes (worker/create-worker.ts).
        TimeoutStopSec = 960;
      } // optionalAttrs (cfg.environmentFile != null) { EnvironmentFile = cfg.environmentFile; };
    };
  };
}
