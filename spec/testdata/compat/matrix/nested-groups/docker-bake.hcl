group "all" { targets = ["front", "back"] }
group "front" { targets = ["web"] }
group "back" { targets = ["api", "worker"] }
target "web" {}
target "api" {}
target "worker" {}
