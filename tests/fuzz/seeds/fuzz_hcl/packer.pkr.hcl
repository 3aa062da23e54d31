0# a packer template
variable "iso" { type = string }

source "vmware-iso" "ubuntu" {
  iso_url  = var.iso
  version  = "19"
  usb      = true
  vmx_data = {
    "isolation.tools.copy.disable"  = "TRUE"
    "log.keepold"                   = 9   # keep nine
    "log.rotatesize"                = "1024000"
    "RemoteDisplay.maxConnections"  = "2"
    "tools.setinfo.sizeLimit"       = var.limit
  }
  vmx_data_post = {
    "log.keepold" = "10"
  }
}

build {
  sources = ["source.vmware-iso.ubuntu"]
}
