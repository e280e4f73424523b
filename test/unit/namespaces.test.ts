import { describe, expect, it } from 'vitest';
import { cgroupIdentity, parseCgroupFile } from '../../src/namespaces/cgroup.js';
import { netnsId, representatives } from '../../src/namespaces/discovery.js';
import { socketInode } from '../../src/namespaces/socket-owners.js';

const ID = '34dc0b5e626f2c5c4c5170e34b10e7654ce36f0fcd532739f4445baabea03376';
const UID = '74c13223-5a00-11e9-b385-42010a80018d';
const UID_ = UID.replace(/-/g, '_');

describe('cgroup identity', () => {
  it.each([
    ['systemd + containerd (v2)', `0::/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod${UID_}.slice/cri-containerd-${ID}.scope`, UID, ID],
    ['systemd + CRI-O (v2)', `0::/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod${UID_}.slice/crio-${ID}.scope`, UID, ID],
    ['systemd, guaranteed QoS + Docker', `0::/kubepods.slice/kubepods-pod${UID_}.slice/docker-${ID}.scope`, UID, ID],
    ['cgroupfs + containerd (v1)', `11:devices:/kubepods/besteffort/pod${UID}/${ID}\n10:perf_event:/kubepods/besteffort/pod${UID}/${ID}`, UID, ID],
    ['cgroupfs, guaranteed QoS (v2)', `0::/kubepods/pod${UID}/${ID}`, UID, ID],
    ['cgroupfs + CRI-O', `0::/kubepods/burstable/pod${UID}/crio-${ID}`, UID, ID],
    ['plain Docker, systemd', `0::/system.slice/docker-${ID}.scope`, undefined, ID],
    ['plain Docker, cgroupfs v1', `4:memory:/docker/${ID}\n1:name=systemd:/docker/${ID}`, undefined, ID],
    ['pod-level cgroup only (pause-less sandbox)', `0::/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod${UID_}.slice`, UID, undefined],
    ['a host process', '0::/system.slice/sshd.service', undefined, undefined],
    ['init', '0::/init.scope', undefined, undefined],
  ])('%s', (_name, text, podUid, containerId) => {
    const parsed = parseCgroupFile(text);
    expect(parsed.rejected).toBe(0);
    expect(cgroupIdentity(parsed.records)).toEqual({
      ...(podUid ? { podUid } : {}),
      ...(containerId ? { containerId } : {}),
    });
  });

  it('never takes CRI-O\'s conmon monitor for the container', () => {
    const text = `0::/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod${UID_}.slice/crio-conmon-${ID}.scope`;
    expect(cgroupIdentity(parseCgroupFile(text).records)).toEqual({ podUid: UID });
  });

  it('prefers the cgroup v2 line in a hybrid hierarchy', () => {
    const other = 'f'.repeat(64);
    const text = `1:name=systemd:/docker/${other}\n0::/kubepods/pod${UID}/${ID}`;
    expect(cgroupIdentity(parseCgroupFile(text).records)).toEqual({ podUid: UID, containerId: ID });
  });

  it('counts malformed lines', () => {
    expect(parseCgroupFile('garbage\n0::/ok\n5:x\n').rejected).toBe(2);
  });
});

describe('namespace discovery helpers', () => {
  it('reads namespace ids and picks the lowest pid per namespace', () => {
    expect(netnsId('net:[4026531840]')).toBe('4026531840');
    expect(netnsId('mnt:[4026531840]')).toBeUndefined();
    const reps = representatives([
      { pid: 300, link: 'net:[1]' },
      { pid: 12, link: 'net:[2]' },
      { pid: 7, link: 'net:[1]' },
      { pid: 9, link: 'garbage' },
    ]);
    expect([...reps.entries()].sort()).toEqual([
      ['1', 7],
      ['2', 12],
    ]);
  });

  it('reads socket inodes from fd links', () => {
    expect(socketInode('socket:[12345]')).toBe(12345);
    expect(socketInode('pipe:[12345]')).toBeUndefined();
    expect(socketInode('/dev/null')).toBeUndefined();
  });
});
