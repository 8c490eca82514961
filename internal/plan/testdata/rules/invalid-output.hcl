target "one" {
  tags   = ["example.com/one:1"]
  output = ["type=image,push=1"]
}
target "unnamed" {
  output = ["type=image,push=1"] # ERROR(push-without-name): Push without a name @13
}
target "capital" {
  output = ["type=image,name=example.com/capital:1,push=True"]
}
target "yes" {
  tags   = ["example.com/yes:1"]
  output = ["type=image,push=yes"] # ERROR(invalid-output): Invalid output @13
}
target "archive" {
  output = ["type=oci"] # ERROR(invalid-output): Invalid output @13
}
target "tarball" {
  output = [{ type = "tar" }] # ERROR(invalid-output): Invalid output @13
}
target "folder" {
  output = ["type=local"] # ERROR(invalid-output): Invalid output @13
}
target "loaded" {
  output = ["type=docker"]
}
