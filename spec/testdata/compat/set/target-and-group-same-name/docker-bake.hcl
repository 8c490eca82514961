group "app" { targets = ["app", "app-test"] }
target "app" {}
target "app-test" {}
