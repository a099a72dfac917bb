//! The fictional artists and albums of the demo library. Names are chosen
//! to exercise the UI: accented Latin, Icelandic, Japanese, Cyrillic and
//! Greek text, a featured artist, an absurdly long title, and artists with
//! more than one album. Any resemblance to real artists is unintended.

pub(crate) struct Album {
    pub artist: &'static str,
    pub title: &'static str,
    pub year: i32,
    pub genre: &'static str,
    pub tracks: &'static [Track],
}

pub(crate) struct Track {
    pub title: &'static str,
    /// Set when the track artist differs from the album artist.
    pub featuring: Option<&'static str>,
}

const fn t(title: &'static str) -> Track {
    Track {
        title,
        featuring: None,
    }
}

pub(crate) const ALBUMS: &[Album] = &[
    Album {
        artist: "Élodie Lumière",
        title: "Cartes Postales",
        year: 2016,
        genre: "Chanson",
        tracks: &[
            t("Le Café des Étoiles"),
            t("Pluie sur Montmartre"),
            t("Valse pour Hélène"),
            t("Déjà Minuit"),
        ],
    },
    Album {
        artist: "Élodie Lumière",
        title: "Rivière d'Hiver",
        year: 2021,
        genre: "Chanson",
        tracks: &[
            t("Neige Fondue"),
            Track {
                title: "Là-bas, près de l'eau",
                featuring: Some("Élodie Lumière feat. Sigrún Ósk"),
            },
            t("Cœur de Verre"),
        ],
    },
    Album {
        artist: "Sigrún Ósk",
        title: "Norðurljós",
        year: 2019,
        genre: "Ambient",
        tracks: &[
            t("Þoka"),
            t("Jökulsárlón"),
            t("Hafið Bláa"),
            t("Ljós í Myrkri"),
            t("Sólarupprás"),
        ],
    },
    Album {
        artist: "青い鳥楽団",
        title: "夜明けの歌",
        year: 2018,
        genre: "J-Pop",
        tracks: &[t("朝焼け"), t("桜の道"), t("東京の雨"), t("さよならの前に")],
    },
    Album {
        artist: "Полярный Экспресс",
        title: "Северное Сияние",
        year: 2020,
        genre: "Post-Rock",
        tracks: &[t("Мурманск"), t("Белые Ночи"), t("Ледокол"), t("Тишина")],
    },
    Album {
        artist: "Οι Νυχτερινοί Φάροι",
        title: "Θαλασσινά Τραγούδια",
        year: 2017,
        genre: "Folk",
        tracks: &[t("Αύρα"), t("Το Λιμάνι"), t("Μελτέμι")],
    },
    Album {
        artist: "Marmalade Lighthouse Society",
        title: "Small Hours",
        year: 2014,
        genre: "Indie",
        tracks: &[
            t("Kettle On"),
            t("Streetlight Serenade"),
            t(
                "An Unreasonably Long Song Title That Keeps Going Well Past the Edge of \
                 Any Sensible Terminal Column (Extended Lighthouse Reprise)",
            ),
            t("Goodnight, Tuesday"),
        ],
    },
    Album {
        artist: "Marmalade Lighthouse Society",
        title: "Long Division",
        year: 2015,
        genre: "Indie",
        tracks: &[t("Remainder"), t("Carry the One"), t("Show Your Working")],
    },
];
