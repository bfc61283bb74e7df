package aws_test

// What the EBS CSI node service touches on the host, replaced for csi-sanity:
// no block device is attached to this machine and nothing may be mounted, so
// the kernel mount table is k8s.io/mount-utils' in-memory FakeMounter and the
// operations that would run mkfs, blkid, blockdev or resize2fs are no-ops.
// Everything else (directories, files, statfs for volume stats, mount-point
// cleanup) is the driver's own mounter.NodeMounter code working on the temp
// directories csi-sanity hands out.

import (
	"fmt"

	"github.com/kubernetes-sigs/aws-ebs-csi-driver/pkg/mounter"
	mountutils "k8s.io/mount-utils"
	utilexec "k8s.io/utils/exec"
)

type sanityMounter struct {
	*mounter.NodeMounter
	fake *mountutils.FakeMounter
}

var _ mounter.Mounter = (*sanityMounter)(nil)

func newSanityMounter() *sanityMounter {
	fake := mountutils.NewFakeMounter(nil)
	return &sanityMounter{
		NodeMounter: &mounter.NodeMounter{SafeFormatAndMount: &mountutils.SafeFormatAndMount{
			Interface: fake,
			// Only reached by methods overridden below (mkfs, blkid, blockdev, resize).
			Exec: utilexec.New(),
		}},
		fake: fake,
	}
}

// FindDevicePath would look for /dev/xvdXX or the NVMe device whose serial is
// the volume id. The device path ControllerPublishVolume returned (the one
// AttachVolume was called with) stands for the device.
func (m *sanityMounter) FindDevicePath(devicePath, volumeID, partition, region string) (string, error) {
	if devicePath == "" {
		return "", fmt.Errorf("no device path for volume %s", volumeID)
	}
	if partition != "" {
		return devicePath + partition, nil
	}
	return devicePath, nil
}

// FormatAndMountSensitiveWithFormatOptions mounts without formatting.
func (m *sanityMounter) FormatAndMountSensitiveWithFormatOptions(source, target, fstype string, options, sensitiveOptions, formatOptions []string) error {
	return m.fake.MountSensitive(source, target, fstype, options, sensitiveOptions)
}

func (m *sanityMounter) NeedResize(devicePath, deviceMountPath string) (bool, error) {
	return false, nil
}

func (m *sanityMounter) Resize(devicePath, deviceMountPath string) (bool, error) {
	return true, nil
}

func (m *sanityMounter) GetBlockSizeBytes(devicePath string) (int64, error) {
	return 0, nil
}
