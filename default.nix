# Without flakes: `(import ./. {}).package`, and `imports = [ (import ./. {}).nixosModule ];`.
# nixpkgs is only needed for the package; the module attribute evaluates without it.
{ pkgs ? import <nixpkgs> { } }:
{
  nixosModule = import ./nix/module.nix;
  package = pkgs.callPackage ./nix/package.nix { };
}
