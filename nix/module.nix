# NixOS module: services.coopci runs the worker as a hardened systemd service
# and applies the schedules when it starts.
{ config, lib, pkgs, ... }:
let
  cfg = config.services.coopci;
  settingsFile = pkgs.writeText "coopci.yaml" (builtins.toJSON cfg.settings);
  coopci = "${cfg.package}/bin/coopci";
in
{
  options.services.coopci = {
    enable = lib.mkEnableOption "coopci, Co-op Cloud recipe CI on Temporal";
    package = lib.mkOption {
      type = lib.types.package;
      description = "The coopci package (provides bin/coopci).";
    };
    settings = lib.mkOption {
      type = lib.types.attrs;
      description = "coopci configuration (see config/schema.ts); written as YAML-compatible JSON.";
    };
    temporalAddress = lib.mkOption {
      type = lib.types.str;
      default = "127.0.0.1:7233";
      description = "Temporal frontend address (TEMPORAL_ADDRESS).";
    };
    environmentFile = lib.mkOption {
      type = lib.types.nullOr lib.types.path;
      default = null;
      description = "Extra environment (e.g. TEMPORAL_API_KEY), kept out of the Nix store.";
    };
  };

  config = lib.mkIf cfg.enable {
    systemd.services.coopci-worker = {
      description = "coopci Temporal worker";
      wantedBy = [ "multi-user.target" ];
      after = [ "network-online.target" "docker.service" ];
      wants = [ "network-online.target" ];
      path = [ pkgs.git pkgs.docker ];
      environment = {
        COOPCI_CONFIG = "${settingsFile}";
        TEMPORAL_ADDRESS = cfg.temporalAddress;
      };
      serviceConfig = {
        ExecStartPre = "${coopci} schedule apply";
        ExecStart = "${coopci} worker";
        Restart = "always";
        RestartSec = 5;
        DynamicUser = false;
        User = "coopci";
        Group = "docker";
        StateDirectory = "coopci";
        EnvironmentFile = lib.mkIf (cfg.environmentFile != null) cfg.environmentFile;
        NoNewPrivileges = true;
        ProtectSystem = "strict";
        ProtectHome = true;
        PrivateTmp = true;
        ReadWritePaths = [ "/var/lib/coopci" ];
      };
    };
    users.users.coopci = {
      isSystemUser = true;
      group = "docker";
      home = "/var/lib/coopci";
    };
  };
}
