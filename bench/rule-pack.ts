// A generated rule pack shaped like Elastic's Linux and container rules, for `npm run bench` (engine_rule_pack)
// and the tests: mostly `process where event.type == "start" and event.action in (…) and process.name in (…)`
// rules with conditions on arguments and parents, some `:`/`like` rules on names, `file where` and `network where`
// rules, and sequences joined `by` host and process. Each rule is written as EQL and loaded through the same front
// end as a rule file, so the pack costs what a real one does. Deterministic: the same seed, the same pack.

import { ruleFromToml } from "../host/rules/rules-file.js";
import type { SequenceRule } from "../host/rules/model.js";
import { rng } from "../host/cli/sample.js";

// Linux tools the rules watch for; a few of them (curl, python3, cat) occur in the bench corpus
const TOOLS = [
  "nc", "ncat", "netcat", "socat", "nmap", "masscan", "zmap", "tcpdump", "tshark", "wireshark", "hping3", "iptables", "nft", "ufw",
  "insmod", "modprobe", "rmmod", "kmod", "setcap", "getcap", "chattr", "lsattr", "useradd", "usermod", "groupadd", "passwd",
  "chpasswd", "visudo", "crontab", "at", "systemctl", "service", "update-rc.d", "chkconfig", "ssh-keygen", "ssh", "scp", "sftp",
  "rsync", "wget", "curl", "ftp", "tftp", "base64", "base32", "xxd", "openssl", "gpg", "shred", "wipe", "dd", "mkfs", "fdisk",
  "mount", "umount", "unshare", "nsenter", "chroot", "capsh", "docker", "ctr", "crictl", "kubectl", "runc", "containerd",
  "podman", "buildah", "python", "python2", "python3", "perl", "ruby", "php", "lua", "node", "java", "gcc", "cc", "make",
  "busybox", "bash", "sh", "dash", "zsh", "ksh", "tcsh", "fish", "awk", "gawk", "mawk", "sed", "find", "xargs", "env", "nohup",
  "setsid", "timeout", "strace", "ltrace", "gdb", "ptrace", "bpftool", "bpftrace", "history", "unset", "export", "hostname",
  "whoami", "id", "uname", "ps", "pgrep", "pkill", "kill", "killall", "top", "netstat", "ss", "lsof", "ifconfig", "ip", "route",
  "arp", "dig", "nslookup", "host", "getent", "cat", "head", "tail", "less", "more", "vi", "vim", "nano", "touch", "chmod",
  "chown", "cp", "mv", "rm", "ln", "tar", "gzip", "zip", "unzip", "7z", "sqlite3", "mysql", "psql", "redis-cli", "mongo",
];
const ACTIONS = ['"exec"', '"exec_event"', '"start"', '"ProcessRollup2"', '"executed"', '"process_started"'];
const ARGS = ["-e", "-c", "--exec", "-i", "/dev/tcp/*", "*base64*", "-d", "--decode", "*/tmp/*", "*/dev/shm/*", "*.sh", "-p", "--privileged", "*LD_PRELOAD*", "*authorized_keys*", "*/etc/shadow*", "*/etc/passwd*", "-enc", "*http*", "-o"];
const PARENTS = ["bash", "sh", "dash", "zsh", "python3", "perl", "php", "node", "java", "sshd", "cron", "systemd", "runc", "containerd-shim"];
const PATHS = ["/etc/cron.d/*", "/etc/crontab", "/var/spool/cron/*", "/etc/systemd/system/*", "/etc/init.d/*", "/etc/rc.local", "/etc/ld.so.preload", "/root/.ssh/*", "/home/*/.ssh/*", "/etc/sudoers*", "/etc/pam.d/*", "/usr/lib/security/*", "/etc/profile.d/*", "/root/.bashrc", "/etc/shadow", "/etc/passwd", "/dev/shm/*", "/tmp/.*", "/var/run/docker.sock", "/run/containerd/*"];
const PORTS = [4444, 1337, 31337, 6667, 8080, 9001, 53, 22, 23, 3389, 5900, 2375, 2376, 10250, 6443];

const quote = (s: string) => `"${s}"`;

/** k distinct picks from xs. */
function some<T>(r: () => number, xs: readonly T[], k: number): T[] {
  const pool = [...xs];
  const out: T[] = [];
  while (out.length < k && pool.length) out.push(pool.splice(Math.floor(r() * pool.length), 1)[0]);
  return out;
}

function processQuery(r: () => number): string {
  const names = some(r, TOOLS, 2 + Math.floor(r() * 5)).map(quote).join(", ");
  const parts = [
    'host.os.type == "linux"',
    'event.type == "start"',
    `event.action in (${some(r, ACTIONS, 1 + Math.floor(r() * 3)).join(", ")})`,
  ];
  const x = r();
  // most rules name the processes exactly; some match names with wildcards (no index on the name then)
  if (x < 0.75) parts.push(`process.name in (${names})`);
  else if (x < 0.9) parts.push(`process.name : (${some(r, TOOLS, 3).map((t) => quote(t + "*")).join(", ")})`);
  else parts.push(`process.executable like~ (${some(r, TOOLS, 2).map((t) => quote(`/usr/*/${t}`)).join(", ")})`);
  if (r() < 0.7) parts.push(`process.args ${r() < 0.5 ? "like~" : ":"} (${some(r, ARGS, 1 + Math.floor(r() * 3)).map(quote).join(", ")})`);
  if (r() < 0.4) parts.push(`process.parent.name in (${some(r, PARENTS, 2).map(quote).join(", ")})`);
  if (r() < 0.5) parts.push(`not process.parent.executable in (${some(r, ["/usr/bin/dpkg", "/usr/bin/apt", "/usr/sbin/cron", "/usr/bin/yum", "/opt/puppet/bin/puppet"], 2).map(quote).join(", ")})`);
  if (r() < 0.2) parts.push(`process.args_count >= ${2 + Math.floor(r() * 3)}`);
  return `process where ${parts.join(" and ")}`;
}

function fileQuery(r: () => number): string {
  const parts = ['host.os.type == "linux"', `event.type in (${some(r, ['"creation"', '"change"', '"deletion"'], 1 + Math.floor(r() * 2)).join(", ")})`];
  parts.push(`file.path : (${some(r, PATHS, 1 + Math.floor(r() * 3)).map(quote).join(", ")})`);
  if (r() < 0.6) parts.push(`not process.name in (${some(r, ["dpkg", "rpm", "yum", "apt", "systemd", "puppet", "chef-client"], 3).map(quote).join(", ")})`);
  return `file where ${parts.join(" and ")}`;
}

function networkQuery(r: () => number): string {
  const parts = ['host.os.type == "linux"', 'event.type == "start"', `event.action in ("connection_attempted", "connection_accepted")`];
  if (r() < 0.6) parts.push(`destination.port in (${some(r, PORTS, 2 + Math.floor(r() * 3)).join(", ")})`);
  else parts.push(`process.name in (${some(r, TOOLS, 3).map(quote).join(", ")})`);
  if (r() < 0.5) parts.push('not cidrmatch(destination.ip, "10.0.0.0/8", "127.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "::1")');
  return `network where ${parts.join(" and ")}`;
}

function sequenceQuery(r: () => number): string {
  const first = processQuery(r);
  const second = r() < 0.5 ? networkQuery(r) : fileQuery(r);
  return `sequence by host.id, process.entity_id with maxspan=${1 + Math.floor(r() * 60)}s\n  [${first}]\n  [${second}]`;
}

/** n rules (about 70 % process, 12 % file, 8 % network, 10 % sequences), loaded through the rule-file front end. */
export function syntheticPack(n = 320, seed = 13): SequenceRule[] {
  const r = rng(seed);
  const rules: SequenceRule[] = [];
  for (let i = 0; i < n; i++) {
    const x = r();
    const query = x < 0.7 ? processQuery(r) : x < 0.82 ? fileQuery(r) : x < 0.9 ? networkQuery(r) : sequenceQuery(r);
    const id = `00000000-5eed-4000-8000-${String(i).padStart(12, "0")}`;
    rules.push(ruleFromToml({ rule: { rule_id: id, name: `Synthetic rule ${i}`, type: "eql", language: "eql", severity: ["low", "medium", "high"][i % 3], risk_score: 21 + (i % 3) * 26, query } }, `synthetic-${i}.toml`));
  }
  return rules;
}
