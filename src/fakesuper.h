/*
 * fakesuper.h -- --fake-super: the metadata only root can set (owner,
 * group, special permission bits, the type of a device, FIFO, socket or
 * symlink, a device's numbers) kept in the user.rsync.%stat xattr of a
 * plain file or directory, in rsync's format, so that rsync reads
 * treesync's back and the other way round.
 */
#ifndef TS_FAKESUPER_H
#define TS_FAKESUPER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct ts_entry;
struct meta_target;

/*
 * Reads the user.rsync.%stat of NAME below DIRFD (or of FD when FD >= 0)
 * into *E, which holds NAME's real lstat: for a regular file or directory
 * only (rsync reads none from devices, FIFOs, sockets and symlinks).  The
 * type and mode, device numbers, owner and group then come from the
 * xattr.  Returns 1 when one was read, 0 when there is none, -EINVAL when
 * it is not rsync's "MODE MAJOR,MINOR UID:GID", or another -errno.
 * Thread-safe.
 */
int fakesuper_read(int dirfd, const char *name, int fd, struct ts_entry *e);

/*
 * Gives the target (FD, or NAME below DIRFD, not followed) the metadata M
 * asks for as rsync's --fake-super receiver does: the real mode is the
 * wanted permission bits plus u+rw (u+rwx for a directory), without
 * set-id and sticky bits; what the real inode does not show (owner,
 * group, mode, type, device numbers) goes into user.rsync.%stat, and an
 * xattr that says nothing more than the inode is removed.  A symlink is
 * left alone.  Returns 0 or -errno with *WHAT set.  Thread-safe.
 */
int fakesuper_apply(int dirfd, const char *name, int fd,
    const struct meta_target *m, const char **what);

/*
 * Makes TMP below DIRFD the placeholder of an entry of type MODE: an
 * empty regular file of mode 0600, holding TARGET for a symlink (rsync
 * writes a symlink's target into its placeholder).  0 or -errno.
 */
int fakesuper_make_node(int dirfd, const char *tmp, uint32_t mode,
    const char *target);

/*
 * The target of a --fake-super symlink placeholder NAME below DIRFD (a
 * regular file holding it), malloc'ed, or NULL with errno set; a real
 * symlink is read as one.
 */
char *fakesuper_read_link(int dirfd, const char *name);

/*
 * -A with --fake-super: the kernel's system.posix_acl_access (ACCESS) or
 * _default value VALUE (LEN bytes) of an entry of mode MODE as rsync's
 * user.rsync.%aacl / %dacl value (malloc'ed into *OUT, *OUTLEN), and
 * back.  fakesuper_acl_pack() returns 1 (nothing made) for an access
 * ACL that says no more than the mode; both return -EINVAL for a value
 * they cannot read.
 */
int fakesuper_acl_pack(const void *value, size_t len, bool access,
    uint32_t mode, void **out, size_t *outlen);
int fakesuper_acl_unpack(const void *value, size_t len, bool access,
    uint32_t mode, void **out, size_t *outlen);

#endif /* TS_FAKESUPER_H */
