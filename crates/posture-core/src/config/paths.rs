//! Where posture keeps its files, by the platform's conventions (XDG on Linux).

use std::path::PathBuf;

use directories::ProjectDirs;

#[derive(Debug, Clone)]
pub struct Paths {
    pub config_dir: Option<PathBuf>,
    pub data_dir: Option<PathBuf>,
    pub cache_dir: Option<PathBuf>,
}

impl Paths {
    pub fn discover() -> Paths {
        match ProjectDirs::from("", "", "posture") {
            Some(d) => Paths {
                config_dir: Some(d.config_dir().to_path_buf()),
                data_dir: Some(d.data_dir().to_path_buf()),
                cache_dir: Some(d.cache_dir().to_path_buf()),
            },
            // No home directory (some containers): run with defaults, save nothing implicitly.
            None => Paths {
                config_dir: None,
                data_dir: None,
                cache_dir: None,
            },
        }
    }

    pub fn config_file(&self) -> Option<PathBuf> {
        self.config_dir.as_ref().map(|d| d.join("config.toml"))
    }

    pub fn user_themes(&self) -> Option<PathBuf> {
        self.config_dir.as_ref().map(|d| d.join("themes"))
    }
}
