# OPTIONS: push
target "app" { # ERROR(push-without-name): Push without a name @8
}
target "ok" {
  tags = ["example.com/ok:1"]
}
