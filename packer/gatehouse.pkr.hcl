# Gatehouse appliance image: Debian 12 with the gatehouse package installed and its service left
# disabled (each instance is configured as a cluster member by ansible/site.yml at deploy time).
# Three sources share one provisioner, the Ansible playbook of ansible/:
#   amazon-ebs.debian  an encrypted EBS-backed AMI for EC2 (IMDSv2 required on the build instance)
#   amazon-ebs.arm64   the same for Graviton (arm64) instances
#   qemu.debian        a local qcow2 image, from Debian's generic cloud image
# Build the package first (mvn -DskipTests package), then see packer/README.md.

# packer>=1.7 begin: plugins (packer init). Packer 1.6.6 has these builders built in.
packer {
  required_version = ">= 1.7.0"
  required_plugins {
    amazon = {
      source  = "github.com/hashicorp/amazon"
      version = ">= 1.2.1"
    }
    qemu = {
      source  = "github.com/hashicorp/qemu"
      version = ">= 1.0.9"
    }
    ansible = {
      source  = "github.com/hashicorp/ansible"
      version = ">= 1.1.0"
    }
  }
}
# packer>=1.7 end

variable "deb_file" {
  type        = string
  default     = ""
  description = "Path of the gatehouse .deb to install; empty: the newest packaging/target/gatehouse_*_all.deb."
}

variable "image_version" {
  type        = string
  default     = "0.1.0"
  description = "Version written into the image name and tags (letters, digits, dots and dashes)."
}

variable "aws_region" {
  type        = string
  default     = "eu-central-1"
  description = "AWS region the AMI is built in (copy it to other regions with ami_regions)."
}

variable "aws_ami_regions" {
  type        = list(string)
  default     = []
  description = "Further regions the finished AMI is copied to (encrypted with each region's default EBS key)."
}

variable "aws_arm64_instance_type" {
  type        = string
  default     = "t4g.small"
  description = "Graviton instance type the arm64 AMI is built on."
}

variable "aws_instance_type" {
  type        = string
  default     = "t3.small"
  description = "Instance type of the temporary build instance."
}

variable "aws_subnet_id" {
  type        = string
  default     = ""
  description = "Subnet of the build instance; empty: the default VPC. It needs outbound access to Debian's mirrors."
}

variable "aws_kms_key_id" {
  type        = string
  default     = ""
  description = "KMS key (id, ARN or alias) for the AMI's EBS snapshot; empty: the account's default aws/ebs key."
}

variable "aws_volume_size" {
  type        = number
  default     = 8
  description = "Root volume size in GiB."
}

variable "qemu_image_url" {
  type        = string
  default     = "https://cloud.debian.org/images/cloud/bookworm/latest/debian-12-genericcloud-amd64.qcow2"
  description = "Debian 12 generic cloud image (qcow2) the qemu source starts from."
}

variable "qemu_image_checksum" {
  type        = string
  default     = "file:https://cloud.debian.org/images/cloud/bookworm/latest/SHA512SUMS"
  description = "Checksum of qemu_image_url, or file:URL of Debian's SHA512SUMS."
}

variable "qemu_accelerator" {
  type        = string
  default     = "kvm"
  description = "QEMU accelerator: kvm where /dev/kvm exists, tcg (slow, software emulation) elsewhere."
}

variable "qemu_ssh_password" {
  type        = string
  default     = "gatehouse-build"
  description = "Password of the build user 'debian' (set by cloud-init from packer/cloud-init/user-data, locked by the playbook's image cleanup)."
}

locals {
  stamp = formatdate("YYYYMMDDhhmmss", timestamp())
  name  = "gatehouse-${var.image_version}-${local.stamp}"
  tags = {
    Name        = local.name
    Application = "gatehouse"
    Version     = var.image_version
    BaseOS      = "debian-12"
  }
}

source "amazon-ebs" "debian" {
  region          = var.aws_region
  ami_regions     = var.aws_ami_regions
  subnet_id       = var.aws_subnet_id
  ssh_username    = "admin"
  ami_description = "Gatehouse TLS edge ${var.image_version} on Debian 12"

  # instance type, AMI name and source AMI (architecture) are set per build source below

  # EBS encryption: the build volume and the AMI's snapshot
  encrypt_boot = true
  kms_key_id   = var.aws_kms_key_id
  launch_block_device_mappings {
    device_name           = "/dev/xvda"
    volume_size           = var.aws_volume_size
    volume_type           = "gp3"
    iops                  = 3000
    throughput            = 125
    encrypted             = true
    delete_on_termination = true
  }

  # packer>=1.7 begin: IMDSv2 only. Packer 1.6.6 (Debian's, used by CI's validate) has neither
  # block: ops/check.sh removes the lines between these markers before validating with it.
  # The build instance: session tokens only, one hop (containers on it cannot reach the metadata service).
  metadata_options {
    http_endpoint               = "enabled"
    http_tokens                 = "required"
    http_put_response_hop_limit = 1
  }
  # The AMI: every instance launched from it requires IMDSv2 unless the launch says otherwise.
  imds_support = "v2.0"
  # packer>=1.7 end

  tags          = local.tags
  snapshot_tags = local.tags
  run_tags      = local.tags
}

source "qemu" "debian" {
  iso_url          = var.qemu_image_url
  iso_checksum     = var.qemu_image_checksum
  disk_image       = true
  format           = "qcow2"
  disk_size        = "8G"
  disk_interface   = "virtio"
  net_device       = "virtio-net"
  accelerator      = var.qemu_accelerator
  headless         = true
  memory           = 2048
  cpus             = 2
  output_directory = "output-qemu"
  vm_name          = "${local.name}.qcow2"
  # cloud-init NoCloud seed served over Packer's HTTP server: the 'debian' user's password and sudo
  http_directory   = "${path.root}/cloud-init"
  qemuargs         = [["-smbios", "type=1,serial=ds=nocloud-net;s=http://{{ .HTTPIP }}:{{ .HTTPPort }}/"]]
  ssh_username     = "debian"
  ssh_password     = var.qemu_ssh_password
  ssh_timeout      = "15m"
  shutdown_command = "sudo shutdown -P now"
}

build {
  sources = ["source.qemu.debian"]

  # x86-64: the newest official Debian 12 AMI (Debian's AWS account)
  source "amazon-ebs.debian" {
    name          = "debian"
    instance_type = var.aws_instance_type
    ami_name      = local.name
    source_ami_filter {
      filters = {
        name                = "debian-12-amd64-*"
        architecture        = "x86_64"
        virtualization-type = "hvm"
        root-device-type    = "ebs"
      }
      owners      = ["136693071363"]
      most_recent = true
    }
  }

  # Graviton (arm64): the same build from Debian's arm64 AMI on an arm64 instance; the jar carries the
  # aarch64 epoll and BoringSSL libraries and the package is architecture-independent
  source "amazon-ebs.debian" {
    name          = "arm64"
    instance_type = var.aws_arm64_instance_type
    ami_name      = "${local.name}-arm64"
    source_ami_filter {
      filters = {
        name                = "debian-12-arm64-*"
        architecture        = "arm64"
        virtualization-type = "hvm"
        root-device-type    = "ebs"
      }
      owners      = ["136693071363"]
      most_recent = true
    }
  }

  # the same playbook that lays out a pair, in image mode: install the package, no node configuration,
  # no secret, service stopped and disabled
  provisioner "ansible" {
    playbook_file = "${path.root}/../ansible/site.yml"
    groups        = ["gatehouse"]
    host_alias    = "gatehouse-image"
    extra_arguments = [
      "--extra-vars", "gatehouse_image_build=true",
      "--extra-vars", "gatehouse_deb_file=${var.deb_file}",
    ]
    ansible_env_vars = ["ANSIBLE_CONFIG=${path.root}/../ansible/ansible.cfg"]
  }

  # the qemu build logged in with a password (cloud-init/user-data): lock it, refuse password logins
  # and forget the build's cloud-init state, so the image boots with the deployer's seed and SSH keys only
  provisioner "shell" {
    only = ["qemu.debian"]
    inline = [
      "sudo passwd --lock debian",
      "echo 'PasswordAuthentication no' | sudo tee /etc/ssh/sshd_config.d/60-gatehouse-no-passwords.conf",
      "sudo rm -f /etc/ssh/sshd_config.d/50-cloud-init.conf",
      "sudo cloud-init clean --logs",
    ]
  }

  post-processor "manifest" {
    output     = "manifest.json"
    strip_path = true
  }
}
