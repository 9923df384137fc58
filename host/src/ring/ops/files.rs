//! Files and directories: reads and writes (plain and through registered buffers), open,
//! close, fsync, statx, ftruncate, and the file-tree operations mkdirat, unlinkat and
//! renameat. Every path stays beneath the directory handle it is given: openat2's
//! RESOLVE_BENEATH for opens, and for the rest a parent directory opened with it.

use super::{Env, checked_len, data_len, for_kernel};
use crate::bindings::{ErrorCode, OpenFlags};
use crate::caps::descriptors::{Descriptor, Descriptors};
use crate::errno::to_error_code;
use crate::ioring::ring::types::{
    FileStat, FileType, FixedArgs, MkdiratArgs, OpenatArgs, ReadArgs, RenameatArgs, StatxArgs, UnlinkatArgs, WriteArgs,
};
use crate::kernel::opcode::{self, CURRENT_POSITION, Entry};
use crate::kernel::sys;
use crate::ring::inflight::{Kind, Slot};
use super::control::fixed_span;
use super::sockets::{may_receive, unfiltered};
use std::ffi::{CStr, CString};
use std::os::fd::{FromRawFd, OwnedFd};

/// Longest path accepted, as Linux's PATH_MAX.
const MAX_PATH_LEN: usize = 4096;

pub fn read(ReadArgs { fd, len, offset }: ReadArgs, slot: &mut Slot, env: &mut Env<'_>) -> Result<Entry, ErrorCode> {
    let d = env.descriptors.get(fd)?;
    // A read of a datagram socket is a receive that cannot tell the sender.
    unfiltered(may_receive(d, env.policy)?)?;
    slot.kind = Kind::Read;
    slot.buf = for_kernel(checked_len(len)?);
    let read = opcode::Read::new(fd, slot.buf.as_mut_ptr(), len);
    Ok(on_worker_if_tty(d, read.offset(offset.unwrap_or(CURRENT_POSITION)).build()))
}

pub fn write(WriteArgs { fd, data, offset }: WriteArgs, slot: &mut Slot, env: &mut Env<'_>) -> Result<Entry, ErrorCode> {
    let d = env.descriptors.get(fd)?;
    let len = data_len(&data)?;
    slot.buf = data;
    let write = opcode::Write::new(fd, slot.buf.as_ptr(), len);
    Ok(on_worker_if_tty(d, write.offset(offset.unwrap_or(CURRENT_POSITION)).build()))
}

/// A terminal's I/O goes straight to io_uring's workers, where waiting for the line holds
/// only a worker (and a cancel interrupts it), never the guest's thread.
fn on_worker_if_tty(d: &Descriptor, entry: Entry) -> Entry {
    if d.tty { entry.flags(sys::IOSQE_ASYNC) } else { entry }
}

pub fn read_fixed(args: FixedArgs, slot: &mut Slot, env: &mut Env<'_>) -> Result<Entry, ErrorCode> {
    let FixedArgs { fd, buffer, buffer_offset, len, offset } = args;
    let d = env.descriptors.get(fd)?;
    unfiltered(may_receive(d, env.policy)?)?;
    let (ptr, index) = fixed_span(env.fixed, buffer, buffer_offset, len)?;
    slot.kind = Kind::Fixed;
    env.fixed.inflight += 1;
    Ok(on_worker_if_tty(d, opcode::ReadFixed::new(fd, ptr, len, index).offset(offset.unwrap_or(CURRENT_POSITION)).build()))
}

pub fn write_fixed(args: FixedArgs, slot: &mut Slot, env: &mut Env<'_>) -> Result<Entry, ErrorCode> {
    let FixedArgs { fd, buffer, buffer_offset, len, offset } = args;
    let d = env.descriptors.get(fd)?;
    let (ptr, index) = fixed_span(env.fixed, buffer, buffer_offset, len)?;
    slot.kind = Kind::Fixed;
    env.fixed.inflight += 1;
    Ok(on_worker_if_tty(d, opcode::WriteFixed::new(fd, ptr, len, index).offset(offset.unwrap_or(CURRENT_POSITION)).build()))
}

pub fn close(handle: u32, slot: &mut Slot, env: &mut Env<'_>) -> Result<Entry, ErrorCode> {
    // The host's own copy closes now; the registered slot keeps the file alive for
    // operations still in flight until the kernel closes it in order.
    env.descriptors.begin_close(handle)?;
    slot.kind = Kind::Close { handle };
    Ok(opcode::CloseFixed::new(handle).build())
}

pub fn fsync(fd: u32, datasync: bool, env: &mut Env<'_>) -> Result<Entry, ErrorCode> {
    env.descriptors.get(fd)?;
    Ok(opcode::Fsync::new(fd).datasync(datasync).build())
}

pub fn ftruncate(fd: u32, len: u64, env: &mut Env<'_>) -> Result<Entry, ErrorCode> {
    let d = env.descriptors.get(fd)?;
    // SAFETY: F_GETFL on a descriptor we hold.
    let read_only_file = unsafe { libc::fcntl(d.raw(), libc::F_GETFL) } & libc::O_ACCMODE == libc::O_RDONLY;
    // A handle not open for writing is the same refusal as a read-only grant (the kernel
    // would say EINVAL), as on every host.
    if d.read_only || read_only_file {
        return Err(ErrorCode::Access);
    }
    let len = i64::try_from(len).map_err(|_| ErrorCode::Invalid)?;
    Ok(opcode::Ftruncate::new(fd, len as u64).build())
}

pub fn mkdirat(MkdiratArgs { dir, path, mode }: MkdiratArgs, slot: &mut Slot, env: &mut Env<'_>) -> Result<Entry, ErrorCode> {
    let (parent, name) = in_parent(env.descriptors, dir, path, slot)?;
    let entry = opcode::MkdirAt::new(parent, &name, mode & 0o777).build();
    slot.path = Some(name);
    Ok(entry)
}

pub fn unlinkat(args: UnlinkatArgs, slot: &mut Slot, env: &mut Env<'_>) -> Result<Entry, ErrorCode> {
    let UnlinkatArgs { dir, path, remove_dir } = args;
    let (parent, name) = in_parent(env.descriptors, dir, path, slot)?;
    let entry = opcode::UnlinkAt::new(parent, &name).remove_dir(remove_dir).build();
    slot.path = Some(name);
    Ok(entry)
}

pub fn renameat(args: RenameatArgs, slot: &mut Slot, env: &mut Env<'_>) -> Result<Entry, ErrorCode> {
    let RenameatArgs { old_dir, old_path, new_dir, new_path } = args;
    let (old_parent, old_name) = in_parent(env.descriptors, old_dir, old_path, slot)?;
    let (new_parent, new_name) = in_parent(env.descriptors, new_dir, new_path, slot)?;
    let entry = opcode::RenameAt::new(old_parent, &old_name, new_parent, &new_name).build();
    slot.path = Some(old_name);
    slot.new_path = Some(new_name);
    Ok(entry)
}

/// openat2's confinement: BENEATH refuses absolute paths, `..` escapes and symlinks that
/// leave the directory; NO_MAGICLINKS refuses /proc/self/fd-style jumps.
const CONFINED: u64 = sys::RESOLVE_BENEATH | sys::RESOLVE_NO_MAGICLINKS;

fn guest_path(path: String) -> Result<CString, ErrorCode> {
    if path.len() > MAX_PATH_LEN {
        return Err(ErrorCode::NameTooLong);
    }
    CString::new(path).map_err(|_| ErrorCode::Invalid)
}

pub fn openat(args: OpenatArgs, slot: &mut Slot, env: &mut Env<'_>) -> Result<Entry, ErrorCode> {
    let descriptors = &mut *env.descriptors;
    let OpenatArgs { dir, path, flags, mode } = args;
    let dir = descriptors.get(dir)?.clone();
    let path = guest_path(path)?;
    let writes = OpenFlags::WRITE | OpenFlags::CREATE | OpenFlags::TRUNCATE | OpenFlags::APPEND;
    if dir.read_only && flags.intersects(writes) {
        return Err(ErrorCode::ReadOnly);
    }
    slot.kind = Kind::Open { read_only: dir.read_only };
    slot.how = sys::OpenHow {
        flags: open_flags(flags),
        // Permission bits only: a guest never creates set-user-ID, set-group-ID or sticky
        // files, which would carry the host user's rights to whoever runs them.
        mode: if flags.contains(OpenFlags::CREATE) { u64::from(mode & 0o777) } else { 0 },
        resolve: CONFINED,
    };
    let entry = opcode::OpenAt2::new(dir.raw(), path.as_c_str(), &mut slot.how).build();
    // The CString's heap buffer does not move when the CString is moved into the slot.
    slot.path = Some(path);
    slot.dir = Some(dir);
    Ok(entry)
}

/// statx has no RESOLVE_BENEATH: a path is first opened O_PATH with openat2's confinement
/// (at submit), then described through that descriptor.
pub fn statx(args: StatxArgs, slot: &mut Slot, env: &mut Env<'_>) -> Result<Entry, ErrorCode> {
    let descriptors = &mut *env.descriptors;
    let StatxArgs { dir, path, no_follow } = args;
    let dir = descriptors.get(dir)?;
    let mut at_flags = libc::AT_EMPTY_PATH;
    let fd = if path.is_empty() {
        if no_follow {
            at_flags |= libc::AT_SYMLINK_NOFOLLOW;
        }
        dir.raw()
    } else {
        let path = guest_path(path)?;
        let nofollow = if no_follow { libc::O_NOFOLLOW } else { 0 };
        pin_beneath(descriptors, dir.raw(), &path, libc::O_PATH | nofollow, slot)?
    };
    slot.kind = Kind::Statx;
    Ok(opcode::Statx::new(fd, c"", &mut slot.statx).flags(at_flags).build())
}

/// Opens `path` beneath host directory `dirfd` with openat2's confinement, for the duration
/// of the operation in `slot` (charged to the guest); returns the new descriptor.
fn pin_beneath(descriptors: &Descriptors, dirfd: i32, path: &CStr, flags: i32, slot: &mut Slot) -> Result<i32, ErrorCode> {
    let charge = descriptors.charge_host_fd()?;
    let how = sys::OpenHow { flags: (flags | libc::O_CLOEXEC) as u64, mode: 0, resolve: CONFINED };
    // SAFETY: openat2 with a valid path and open_how of the size given.
    let fd = unsafe { libc::syscall(libc::SYS_openat2, dirfd, path.as_ptr(), &raw const how, size_of::<sys::OpenHow>()) } as i32;
    if fd < 0 {
        let e = std::io::Error::last_os_error().raw_os_error().unwrap_or(libc::EIO);
        return Err(if e == libc::EXDEV { ErrorCode::Access } else { to_error_code(e) });
    }
    // SAFETY: openat2 returned a new descriptor that nothing else owns.
    slot.pinned.push((unsafe { OwnedFd::from_raw_fd(fd) }, charge));
    Ok(fd)
}

/// mkdirat, unlinkat and renameat have no RESOLVE_BENEATH, but act on a path's last
/// component without following it: so the parent directory is opened beneath the guest's
/// directory handle (at submit, held by `slot`) and the operation names only the last
/// component in it. Returns that parent's descriptor and the name.
fn in_parent(descriptors: &Descriptors, dir: u32, path: String, slot: &mut Slot) -> Result<(i32, CString), ErrorCode> {
    let dir = descriptors.get(dir)?;
    if dir.read_only {
        return Err(ErrorCode::Access);
    }
    if path.starts_with('/') {
        return Err(ErrorCode::Access);
    }
    let path = path.trim_end_matches('/');
    // Not absolute, so a parent before a `/` is never empty.
    let (parent, name) = path.rsplit_once('/').unwrap_or((".", path));
    if matches!(name, "" | "." | "..") {
        return Err(ErrorCode::Invalid);
    }
    let parent = guest_path(parent.into())?;
    let name = guest_path(name.into())?;
    let fd = pin_beneath(descriptors, dir.raw(), &parent, libc::O_PATH | libc::O_DIRECTORY, slot)?;
    Ok((fd, name))
}

fn open_flags(flags: OpenFlags) -> u64 {
    let access = match (flags.contains(OpenFlags::READ), flags.contains(OpenFlags::WRITE)) {
        (true, true) => libc::O_RDWR,
        (false, true) => libc::O_WRONLY,
        _ => libc::O_RDONLY,
    };
    let mut bits = access | libc::O_CLOEXEC;
    for (flag, bit) in [
        (OpenFlags::CREATE, libc::O_CREAT),
        (OpenFlags::EXCLUSIVE, libc::O_EXCL),
        (OpenFlags::TRUNCATE, libc::O_TRUNC),
        (OpenFlags::APPEND, libc::O_APPEND),
        (OpenFlags::DIRECTORY, libc::O_DIRECTORY),
        (OpenFlags::NONBLOCK, libc::O_NONBLOCK),
        (OpenFlags::NO_CTTY, libc::O_NOCTTY),
    ] {
        if flags.contains(flag) {
            bits |= bit;
        }
    }
    bits as u64
}

/// A statx result as the guest's file-stat.
pub fn file_stat(st: &libc::statx) -> FileStat {
    let kind = match u32::from(st.stx_mode) & libc::S_IFMT {
        libc::S_IFREG => FileType::Regular,
        libc::S_IFDIR => FileType::Directory,
        libc::S_IFLNK => FileType::Symlink,
        libc::S_IFCHR => FileType::CharacterDevice,
        libc::S_IFBLK => FileType::BlockDevice,
        libc::S_IFIFO => FileType::Fifo,
        libc::S_IFSOCK => FileType::Socket,
        _ => FileType::Unknown,
    };
    let modified = st.stx_mtime.tv_sec.max(0) as u64 * 1_000_000_000 + u64::from(st.stx_mtime.tv_nsec);
    FileStat { type_: kind, size: st.stx_size, mode: u32::from(st.stx_mode) & 0o7777, links: st.stx_nlink, modified_ns: modified }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn open_flags_default_to_read_only_and_close_on_exec() {
        assert_eq!(open_flags(OpenFlags::empty()), (libc::O_RDONLY | libc::O_CLOEXEC) as u64);
        let rw = open_flags(OpenFlags::READ | OpenFlags::WRITE | OpenFlags::CREATE);
        assert_eq!(rw, (libc::O_RDWR | libc::O_CREAT | libc::O_CLOEXEC) as u64);
        let w = open_flags(OpenFlags::WRITE | OpenFlags::TRUNCATE);
        assert_eq!(w, (libc::O_WRONLY | libc::O_TRUNC | libc::O_CLOEXEC) as u64);
    }
}
