group "app" { targets = ["app"] }
target "app" { tags = ["repo/app"] }
