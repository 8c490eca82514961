target "app" {
  output = ["type=image,push=true"] # ERROR(push-without-name): Push without a name @13
}
target "registry" {
  output = ["type=registry"] # ERROR(push-without-name): Push without a name @13
}
target "named" {
  output = ["type=image,name=example.com/named:1,push=true"]
}
target "tagged" {
  tags   = ["example.com/tagged:1"]
  output = ["type=registry"]
}
