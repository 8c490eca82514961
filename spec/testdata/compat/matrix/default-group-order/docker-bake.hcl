group "default" { targets = ["zeta", "alpha", "mid"] }
target "zeta" {}
target "alpha" {}
target "mid" {}
