//! Files and folders that only the service's own user may open. The data
//! folder holds every answer and the file outbox's emails, and the secret
//! key turns response ids back into receipt codes, so none of them is left
//! for other people on the machine to read: the folders the service makes
//! are 0700 and its files 0600. Elsewhere than Unix, they are plain files
//! and folders.

use std::io;
use std::path::Path;

/// A folder the service makes: only its owner may list or enter it.
pub const FOLDER_MODE: u32 = 0o700;
/// A file the service makes: only its owner may read or write it.
pub const FILE_MODE: u32 = 0o600;
/// The bits that let the group or others in.
pub const OPEN_TO_OTHERS: u32 = 0o077;

/// From here on, whatever this process creates is its owner's alone, even
/// what the libraries create by themselves (SQLite's journal files, say).
/// The modes below cover the service's own files; this covers the rest.
/// `main` calls it first, before any thread starts.
pub fn keep_new_files_private() {
    #[cfg(unix)]
    // SAFETY: umask(2) only replaces the process's file mode mask; it cannot
    // fail and touches no memory of ours.
    unsafe {
        libc::umask(OPEN_TO_OTHERS as libc::mode_t);
    }
}

/// Creates `folder`, and any parents missing, as 0700. An existing folder
/// is left as it is.
pub fn create_folder(folder: &Path) -> io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, FOLDER_MODE);
    builder.create(folder)
}

/// A folder of the service's own (the data folder, the outbox, the key's
/// folder): created as 0700, or, if it was there already, with the group's
/// and others' access taken away, saying so in the log. An install from
/// before this left its data folder as the umask made it, often 0755.
pub fn own_folder(folder: &Path) -> io::Result<()> {
    create_folder(folder)?;
    if let Some(was) = make_private(folder)? {
        tracing::info!(folder = %folder.display(), was = format!("{was:o}"), "made the folder private (mode 0700)");
    }
    Ok(())
}

/// Opens a new file that only its owner may read or write; an existing
/// file is an error, never replaced.
pub fn create_new(path: &Path) -> io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, FILE_MODE);
    options.open(path)
}

/// Writes a new file (see [`create_new`]) and waits until it is on disk.
pub fn write_new(path: &Path, contents: &[u8]) -> io::Result<()> {
    use std::io::Write;
    let mut file = create_new(path)?;
    file.write_all(contents)?;
    file.sync_all()
}

/// Creates an empty file as 0600 unless one is there. SQLite makes a new
/// database 0644 (less the umask), and its `-wal` and `-shm` files copy
/// the database's mode, so making the file first keeps all three private.
pub fn create_if_missing(path: &Path) -> io::Result<()> {
    match create_new(path) {
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Ok(()),
        other => other.map(drop),
    }
}

/// The mode of `path` when the group or others may use it at all; `None`
/// when only its owner may (and always, elsewhere than Unix).
pub fn open_to_others(path: &Path) -> io::Result<Option<u32>> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(path)?.permissions().mode() & 0o7777;
        Ok((mode & OPEN_TO_OTHERS != 0).then_some(mode))
    }
    #[cfg(not(unix))]
    {
        std::fs::metadata(path).map(|_| None)
    }
}

/// Takes the group's and others' access to `path` away, if they have any.
/// Returns the mode it had when it changed anything.
pub fn make_private(path: &Path) -> io::Result<Option<u32>> {
    let Some(mode) = open_to_others(path)? else { return Ok(None) };
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode & !OPEN_TO_OTHERS))?;
    }
    Ok(Some(mode))
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn mode(path: &Path) -> u32 {
        std::fs::metadata(path).unwrap().permissions().mode() & 0o7777
    }

    #[test]
    fn new_folders_and_files_are_the_owners_alone() {
        let tmp = tempfile::tempdir().unwrap();
        let folder = tmp.path().join("a/b");
        create_folder(&folder).unwrap();
        assert_eq!(mode(&tmp.path().join("a")), 0o700, "parents too");
        assert_eq!(mode(&folder), 0o700);
        let file = folder.join("f");
        write_new(&file, b"x").unwrap();
        assert_eq!(mode(&file), 0o600);
        assert!(write_new(&file, b"y").is_err(), "never replaced");
        assert_eq!(std::fs::read(&file).unwrap(), b"x");
        create_if_missing(&file).unwrap();
        assert_eq!(std::fs::read(&file).unwrap(), b"x", "an existing file is kept");
    }

    #[test]
    fn an_existing_folder_or_file_is_made_private() {
        let tmp = tempfile::tempdir().unwrap();
        let folder = tmp.path().join("data");
        std::fs::create_dir(&folder).unwrap();
        std::fs::set_permissions(&folder, std::fs::Permissions::from_mode(0o755)).unwrap();
        own_folder(&folder).unwrap();
        assert_eq!(mode(&folder), 0o700);
        let file = folder.join("db");
        std::fs::write(&file, b"").unwrap();
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o664)).unwrap();
        assert_eq!(open_to_others(&file).unwrap(), Some(0o664));
        assert_eq!(make_private(&file).unwrap(), Some(0o664));
        assert_eq!(mode(&file), 0o600);
        assert_eq!(open_to_others(&file).unwrap(), None);
        assert_eq!(make_private(&file).unwrap(), None, "nothing to change");
    }
}
