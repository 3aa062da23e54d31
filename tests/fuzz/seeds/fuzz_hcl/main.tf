0resource "vsphere_virtual_machine" "vm" {
  hardware_version = 19
  cdrom {
    client_device = true
  }
  extra_config = {
    "isolation.tools.copy.disable" = "FALSE"
  }
}
