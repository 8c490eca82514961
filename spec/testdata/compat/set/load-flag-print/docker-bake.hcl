group "default" { targets = ["img", "tar", "dock"] }
target "img" { tags = ["r/img"] }
target "tar" { output = ["type=tar,dest=o.tar"] }
target "dock" { output = ["type=docker"] }
