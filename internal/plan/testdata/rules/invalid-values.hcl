target "app" {
  platforms = ["linux/amd64", "linux/amd65/x/y", "windoze"] # ERROR(invalid-platform): Invalid platform @31 # ERROR(invalid-platform): Invalid platform @50
  tags      = ["example.com/app:1", "Example.com/UPPER:1", "bad tag"] # ERROR(invalid-reference): Invalid image reference @37 # ERROR(invalid-reference): Invalid image reference @60
  output    = ["type=image,name=ok/app:1,push=true", "type=image,name=not valid"] # ERROR(invalid-reference): Invalid image reference @54
}
target "typos" {
  platforms = ["linux/amd65", "Linux/ARM64", "linux/arm64/v9", "linux/arm/v7", "linux/amd64,linux/riscv64"] # ERROR(invalid-platform): Invalid platform @16 # ERROR(invalid-platform): Invalid platform @31 # ERROR(invalid-platform): Invalid platform @46
  output    = ["type=cacheonly"]
}
