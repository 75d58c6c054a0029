{
  description = "coopci: Co-op Cloud recipe CI and warm deployments as durable Temporal workflows";

  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-unstable";

  outputs = { self, nixpkgs }:
    let
      systems = [ "x86_64-linux" "aarch64-linux" ];
      forAll = f: nixpkgs.lib.genAttrs systems (system: f nixpkgs.legacyPackages.${system});
    in
    {
      packages = forAll (pkgs: { default = pkgs.callPackage ./nix/package.nix { }; });
      nixosModules.default = { pkgs, ... }: {
        imports = [ ./nix/module.nix ];
        services.coopci.package = nixpkgs.lib.mkDefault self.packages.${pkgs.system}.default;
      };
      nixosModules.coopci = self.nixosModules.default;
    };
}
