//! Receipt codes: what a child writes down after answering a survey, so that
//! they can come back to `/track` later and see what the partnership did
//! about what they said.
//!
//! # Format
//!
//! A code is three words and a two-digit number, upper case, joined by
//! dashes: `MAPLE-OTTER-RIVER-73`. The words come from `WORDS`, a fixed list
//! of 512 short, common, concrete nouns (animals, plants, food, weather,
//! places, everyday things) that a seven-year-old can read, spell, say out
//! loud and copy onto paper. The number runs from 10 to 99, so it never has a
//! leading zero that could be dropped. Reading a code back is forgiving:
//! `maple otter river73`, `Maple.Otter.River.73` and `MAPLE – OTTER – RIVER – 73`
//! are all the same code (see [`ReceiptCode::parse`]).
//!
//! The list is built so that codes survive being read aloud and typed on a
//! phone: no two words differ by a single letter (so a one-letter slip gives
//! "not a word we use" rather than somebody else's word), no two sound alike
//! (checked against British English pronunciations, so not `BEAR` and
//! `BARE`, nor `PASTA` and "pastor"), and there are no plurals, number words,
//! body parts, insults, brand-only names, frightening things, or religious or
//! political words.
//!
//! # Code space
//!
//! 512 × 512 × 512 × 90 = 12,079,595,520 codes ([`ReceiptCode::SPACE`],
//! about 1.2 × 10¹⁰, a little over 33 bits). Even with a million responses
//! stored, a random guess at `/track` hits one about once in 12,000 tries, and
//! `/track` lookups are rate-limited on top of that. The space is not meant
//! to resist offline search (see "What is stored" below); it is sized so that
//! online guessing is hopeless while the code stays short enough for a child.
//!
//! # Where codes come from
//!
//! A code is not drawn at random at the moment of display. The caller derives
//! the 32-byte seed from a secret-keyed hash (HMAC-SHA-256 with a server-side
//! key) of the submission token and passes it to [`ReceiptCode::from_seed`].
//! The same form submitted twice therefore shows the same code, and nobody
//! without the key can work out a code from a token.
//!
//! Codes are not guaranteed unique: by the birthday bound, a million
//! submissions share about 40 pairs of codes. The caller must check, before
//! storing, whether the `response_id` already belongs to a *different*
//! submission and, if so, derive again with a counter mixed into the HMAC
//! input (token ‖ attempt number). Because that retry is deterministic too,
//! a resubmitted form still lands on the same code.
//!
//! # What is stored
//!
//! The database keeps only [`ReceiptCode::response_id`], the first half of
//! an HMAC-SHA256 of the canonical code under a key derived from
//! `SECRET_KEY`, as the response's id; never the code itself. (Responses
//! sent before migration 8 have a random id and keep the whole HMAC,
//! [`ReceiptCode::lookup_hash`], beside it.) The key lives outside the
//! database, so a copy of the database or a backup does not hand out working
//! codes, not even to someone prepared to hash all 1.2 × 10¹⁰ of them.
//!
//! Receipt codes must never appear in logs: `Debug` for [`ReceiptCode`]
//! prints `ReceiptCode(..)`, and [`ReceiptCodeError`] never repeats what was
//! typed.

use std::fmt;

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// Domain separation for [`ReceiptCode::lookup_hash`]. Changing it changes
/// every stored hash, so it carries a version.
const LOOKUP_DOMAIN: &[u8] = b"listening-loop receipt v1\0";

/// The number at the end runs from `NUMBER_MIN` to `NUMBER_MIN + NUMBER_COUNT - 1`
/// (10 to 99): always two digits, never a leading zero.
const NUMBER_MIN: u64 = 10;
const NUMBER_COUNT: u64 = 90;

/// Longest input `parse` looks at, in bytes. A canonical code is at most
/// 23 bytes; this leaves room for generous spacing and typographic dashes.
const MAX_INPUT_LEN: usize = 100;

/// A receipt code in its canonical form, e.g. `MAPLE-OTTER-RIVER-73`.
#[derive(Clone, PartialEq, Eq)]
pub struct ReceiptCode(String);

impl ReceiptCode {
    /// The number of distinct codes (for documentation and tests):
    /// 512³ × 90 = 12,079,595,520.
    pub const SPACE: u64 = (WORDS.len() as u64).pow(3) * NUMBER_COUNT;

    /// Maps 32 bytes (from an HMAC or a random source) to a code, uniformly.
    ///
    /// Each word index is the low 9 bits of a big-endian `u16` (bytes 0–1,
    /// 2–3 and 4–5); 512 divides 65,536, so every word is exactly equally
    /// likely. The number is a big-endian `u64` (bytes 8–15) modulo 90, whose
    /// bias (below 10⁻¹⁷) does not matter. The remaining bytes are unused.
    #[must_use]
    pub fn from_seed(seed: &[u8; 32]) -> ReceiptCode {
        let word = |i: usize| {
            let chunk = u16::from_be_bytes([seed[2 * i], seed[2 * i + 1]]);
            WORDS[usize::from(chunk) & (WORDS.len() - 1)]
        };
        let mut number_bytes = [0u8; 8];
        number_bytes.copy_from_slice(&seed[8..16]);
        let number = NUMBER_MIN + u64::from_be_bytes(number_bytes) % NUMBER_COUNT;
        ReceiptCode(format!("{}-{}-{}-{}", word(0), word(1), word(2), number))
    }

    /// Reads what a person typed: case-insensitive, any run of spaces, dashes,
    /// dots, underscores or commas between parts, leading/trailing whitespace,
    /// the digits attached to the last word ("river73") or separated,
    /// typographic dashes (– —). Rejects anything else with an error; never
    /// panics.
    ///
    /// Separators are any Unicode whitespace (including the no-break spaces
    /// phones paste), `-` `.` `_` `,`, and the Unicode dashes U+2010–U+2015,
    /// U+2212 (minus), U+FE63 and U+FF0D. The words must be separated from
    /// each other; only the number may be attached to the last word.
    ///
    /// # Errors
    ///
    /// Checked in this order: [`ReceiptCodeError::Empty`] if there is
    /// nothing but separators; [`ReceiptCodeError::WrongShape`] if the input
    /// is very long, contains anything other than letters, digits and
    /// separators, has no number at the end, or does not have exactly three
    /// words before the number; [`ReceiptCodeError::UnknownWord`] if a word is
    /// not on the list; [`ReceiptCodeError::BadNumber`] if the number is not
    /// two digits from 10 to 99 (so `5`, `07`, `100` and `7O` are rejected).
    pub fn parse(input: &str) -> Result<ReceiptCode, ReceiptCodeError> {
        if input.len() > MAX_INPUT_LEN {
            return Err(ReceiptCodeError::WrongShape);
        }

        // At most five pieces can ever be valid (three words, a number, and
        // nothing else); stop collecting at six.
        let mut parts: Vec<&str> = Vec::with_capacity(6);
        for part in input.split(is_separator).filter(|p| !p.is_empty()) {
            if parts.len() == 5 {
                return Err(ReceiptCodeError::WrongShape);
            }
            parts.push(part);
        }
        let Some(&last) = parts.last() else {
            return Err(ReceiptCodeError::Empty);
        };
        if !parts.iter().all(|p| p.bytes().all(|b| b.is_ascii_alphanumeric())) {
            return Err(ReceiptCodeError::WrongShape);
        }

        // Everything is ASCII from here on, so byte offsets are char
        // boundaries and slicing cannot panic.
        let Some(first_digit) = last.bytes().position(|b| b.is_ascii_digit()) else {
            // No number at the end.
            return Err(ReceiptCodeError::WrongShape);
        };
        let (attached_word, number) = last.split_at(first_digit);
        let mut words: Vec<&str> = parts[..parts.len() - 1].to_vec();
        if !attached_word.is_empty() {
            words.push(attached_word);
        }
        let &[a, b, c] = words.as_slice() else {
            return Err(ReceiptCodeError::WrongShape);
        };

        let (a, b, c) = (find_word(a)?, find_word(b)?, find_word(c)?);
        let number = parse_number(number)?;
        Ok(ReceiptCode(format!("{a}-{b}-{c}-{number}")))
    }

    /// The canonical form, e.g. `MAPLE-OTTER-RIVER-73`.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Hex HMAC-SHA256 of the canonical form under `key` (domain-separated:
    /// the message is prefixed with `b"listening-loop receipt v1\0"`). What
    /// the database stored for responses sent before migration 8; without the
    /// key, a copy of the database does not hand out working codes.
    #[must_use]
    pub fn lookup_hash(&self, key: &[u8; 32]) -> String {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key).expect("HMAC takes a key of any length");
        mac.update(LOOKUP_DOMAIN);
        mac.update(self.0.as_bytes());
        hex::encode(mac.finalize().into_bytes())
    }

    /// The id of the response stored under this code: the first 128 bits of
    /// [`Self::lookup_hash`], 32 hex digits like any other response id. Random
    /// to anyone without the key, so it says nothing about when it was sent.
    #[must_use]
    pub fn response_id(&self, key: &[u8; 32]) -> String {
        let mut id = self.lookup_hash(key);
        id.truncate(32);
        id
    }
}

impl fmt::Display for ReceiptCode {
    /// The canonical form, e.g. `MAPLE-OTTER-RIVER-73`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for ReceiptCode {
    /// Never prints the code, because logs must never carry receipt codes.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ReceiptCode(..)")
    }
}

/// Why some typed text is not a receipt code. The variants carry nothing
/// that was typed, so an error can be logged without leaking a code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReceiptCodeError {
    /// Nothing was typed (or only spaces and dashes).
    Empty,
    /// Not three words and a number: wrong number of parts, no number at the
    /// end, symbols or emoji, or far too long.
    WrongShape,
    /// The shape is right but a word is not one we use in receipt codes.
    UnknownWord,
    /// The words are fine but the number is not two digits from 10 to 99.
    BadNumber,
}

impl fmt::Display for ReceiptCodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ReceiptCodeError::Empty => {
                "Please type your receipt code. It has three words and a number, \
                 like MAPLE-OTTER-RIVER-73."
            }
            ReceiptCodeError::WrongShape => {
                "That doesn't look like a receipt code. It has three words and a number, \
                 like MAPLE-OTTER-RIVER-73."
            }
            ReceiptCodeError::UnknownWord => {
                "One of the words isn't one we use in receipt codes. \
                 Check the spelling on your receipt and try again."
            }
            ReceiptCodeError::BadNumber => {
                "The number at the end should have two digits, from 10 to 99. \
                 Check it on your receipt and try again."
            }
        })
    }
}

impl std::error::Error for ReceiptCodeError {}

/// Characters accepted between the parts of a code.
fn is_separator(c: char) -> bool {
    c.is_whitespace()
        || matches!(c, '-' | '.' | '_' | ',' | '\u{2010}'..='\u{2015}' | '\u{2212}' | '\u{FE63}' | '\u{FF0D}')
}

/// Finds a typed word in `WORDS`, ignoring ASCII case, and returns the
/// list's own (upper-case) spelling.
fn find_word(typed: &str) -> Result<&'static str, ReceiptCodeError> {
    WORDS
        .binary_search_by(|w| w.bytes().cmp(typed.bytes().map(|b| b.to_ascii_uppercase())))
        .map(|i| WORDS[i])
        .map_err(|_| ReceiptCodeError::UnknownWord)
}

/// Reads the two-digit number, 10 to 99.
fn parse_number(typed: &str) -> Result<u8, ReceiptCodeError> {
    match typed.as_bytes() {
        &[tens @ b'1'..=b'9', units @ b'0'..=b'9'] => Ok((tens - b'0') * 10 + (units - b'0')),
        _ => Err(ReceiptCodeError::BadNumber),
    }
}

/// True if every word is 3–6 letters A–Z and the list is strictly sorted
/// (so also free of duplicates), which `find_word`'s binary search relies on.
const fn words_are_valid(words: &[&str]) -> bool {
    let mut i = 0;
    while i < words.len() {
        let w = words[i].as_bytes();
        if w.len() < 3 || w.len() > 6 {
            return false;
        }
        let mut j = 0;
        while j < w.len() {
            if !w[j].is_ascii_uppercase() {
                return false;
            }
            j += 1;
        }
        if i > 0 && !strictly_before(words[i - 1].as_bytes(), w) {
            return false;
        }
        i += 1;
    }
    true
}

/// Byte-wise `a < b`, usable in a `const fn`.
const fn strictly_before(a: &[u8], b: &[u8]) -> bool {
    let mut i = 0;
    while i < a.len() && i < b.len() {
        if a[i] != b[i] {
            return a[i] < b[i];
        }
        i += 1;
    }
    a.len() < b.len()
}

// Checked when the crate compiles, not just when the tests run.
const _: () = assert!(
    WORDS.len() == 512 && WORDS.len().is_power_of_two() && words_are_valid(&WORDS),
    "WORDS must be 512 distinct words of 3-6 letters A-Z, in sorted order"
);

/// The 512 code words: upper case, sorted (for binary search), 3–6 letters.
///
/// Chosen to be read, said, heard and typed by children without confusion:
/// common concrete nouns, no two a single letter apart, no two that sound
/// alike in British English, none with a common homophone, no plurals, no
/// number words or letter names, and nothing frightening, rude, insulting,
/// bodily, religious, political or brand-only. Never reorder or change the
/// list once codes have been issued: `from_seed` picks words by position, and
/// codes already handed out must keep parsing.
const WORDS: [&str; 512] = [
    "ABACUS", "ACORN", "ALBUM", "ALPACA", "AMBER", "ANCHOR", "APPLE", "APRON", "ARCADE", "ARCH", "ATLAS", "ATTIC",
    "AVENUE", "BADGER", "BAGEL", "BAKERY", "BALL", "BAMBOO", "BANANA", "BANGLE", "BANJO", "BANNER", "BARGE", "BARLEY",
    "BARN", "BARREL", "BASKET", "BAY", "BEACON", "BEAM", "BEETLE", "BENCH", "BIKE", "BIRD", "BISON", "BLAZER", "BLOCK",
    "BLOOM", "BLOUSE", "BOAT", "BONNET", "BOOK", "BOTTLE", "BRANCH", "BREAD", "BREEZE", "BRICK", "BRIDGE", "BRONZE",
    "BROTH", "BRUSH", "BUBBLE", "BUCKET", "BUGGY", "BULB", "BURGER", "BUS", "BUTTON", "CABIN", "CACTUS", "CAKE",
    "CAMEL", "CAMERA", "CANAL", "CANARY", "CANDLE", "CANDY", "CANOE", "CANOPY", "CANVAS", "CANYON", "CARD", "CARGO",
    "CARPET", "CARROT", "CASHEW", "CASTLE", "CAT", "CAVERN", "CHAIR", "CHALK", "CHARM", "CHEESE", "CHERRY", "CHESS",
    "CHIP", "CINEMA", "CIRCLE", "CLAY", "CLIFF", "CLOAK", "CLOTH", "CLOUD", "CLOVER", "COACH", "COAST", "COCOON",
    "COIN", "COLLAR", "COMET", "CONE", "COOKIE", "CORAL", "CORNER", "COTTON", "CRAB", "CRATER", "CRAYON", "CREAM",
    "CROW", "CRUST", "CUP", "CURRY", "DAISY", "DENIM", "DESK", "DINGO", "DINNER", "DISCO", "DISH", "DOG", "DOLL",
    "DOME", "DOMINO", "DOOR", "DRESS", "DRUM", "DUCK", "DUNE", "DUST", "EAGLE", "EARTH", "EASEL", "EGG", "ELM", "EMU",
    "ENGINE", "FABRIC", "FALCON", "FARM", "FEAST", "FENCE", "FERN", "FERRET", "FIELD", "FIG", "FINCH", "FLASK",
    "FLEECE", "FLINT", "FLOOR", "FLUTE", "FOAL", "FOLDER", "FOREST", "FORK", "FOSSIL", "FOX", "FRAME", "FROG", "FROST",
    "FUDGE", "GADGET", "GALAXY", "GARAGE", "GARDEN", "GARLIC", "GATE", "GECKO", "GERBIL", "GIFT", "GLASS", "GLEN",
    "GLIDER", "GLOBE", "GLUE", "GOBLET", "GOLD", "GOOSE", "GORGE", "GOWN", "GRAVY", "GREEN", "GROTTO", "GROVE",
    "GUITAR", "GULL", "HAMPER", "HARP", "HAZEL", "HEATER", "HEATH", "HEDGE", "HEN", "HERB", "HERON", "HILL", "HIVE",
    "HOCKEY", "HOLLY", "HONEY", "HOOP", "HORSE", "HOTEL", "HURDLE", "HUT", "ICICLE", "ICING", "IGLOO", "INDIGO",
    "ISLAND", "IVY", "JACKET", "JADE", "JAM", "JELLY", "JERSEY", "JET", "JIGSAW", "JUDO", "JUICE", "JUNGLE", "KARATE",
    "KAYAK", "KAZOO", "KELP", "KETTLE", "KIOSK", "KITE", "KITTEN", "KIWI", "KOALA", "LADDER", "LADLE", "LAGOON",
    "LAMP", "LANE", "LAPTOP", "LAWN", "LEAF", "LEMON", "LEMUR", "LENTIL", "LETTER", "LEVER", "LID", "LIGHT", "LILAC",
    "LILY", "LIME", "LINER", "LION", "LIZARD", "LOCKER", "LODGE", "LOFT", "LORRY", "LUNCH", "MACAW", "MAGMA", "MAGNET",
    "MAGPIE", "MANGO", "MAP", "MAPLE", "MARBLE", "MARINA", "MARKET", "MAROON", "MARSH", "MASCOT", "MASK", "MEADOW",
    "MELODY", "METEOR", "MILK", "MINNOW", "MINT", "MIRROR", "MIXER", "MOON", "MOSAIC", "MOSS", "MOUND", "MOUSE", "MUD",
    "MUFFIN", "MURAL", "MUSEUM", "NAPKIN", "NECTAR", "NEST", "NOODLE", "NOZZLE", "NUGGET", "OAK", "OASIS", "OCEAN",
    "OLIVE", "ONION", "ORANGE", "ORBIT", "ORCA", "OSPREY", "OTTER", "OVAL", "OVEN", "OWL", "OYSTER", "PAGE", "PAINT",
    "PALACE", "PANDA", "PAPAYA", "PAPER", "PARCEL", "PARK", "PASTRY", "PATH", "PATIO", "PEACH", "PEANUT", "PEARL",
    "PEBBLE", "PENCIL", "PENNY", "PEPPER", "PIANO", "PICKLE", "PICNIC", "PILLOW", "PINK", "PIZZA", "PLANET", "PLATE",
    "PLUG", "POEM", "POLLEN", "PONCHO", "PONY", "POOL", "POSTER", "POTATO", "POUCH", "PRAWN", "PRIZE", "PUPPET",
    "PUPPY", "PURPLE", "PURSE", "PUZZLE", "QUAIL", "QUILT", "RABBIT", "RADAR", "RADIO", "RADISH", "RAFT", "RAIL",
    "RAVEN", "RHINO", "RIBBON", "RICE", "RING", "RIPPLE", "RIVER", "ROBE", "ROBIN", "ROBOT", "ROCK", "ROCKET",
    "ROLLER", "ROOM", "ROTI", "RUG", "RUGBY", "SADDLE", "SAFARI", "SALAD", "SALT", "SAMOSA", "SAND", "SATURN",
    "SAUCER", "SCARF", "SCREEN", "SCROLL", "SCUBA", "SEAL", "SEED", "SEESAW", "SESAME", "SHADOW", "SHEEP", "SHELL",
    "SHIRT", "SHOE", "SHOVEL", "SHOWER", "SHRUB", "SILVER", "SKATE", "SKETCH", "SKY", "SLEDGE", "SLEET", "SLEEVE",
    "SLIDE", "SLOPE", "SNACK", "SNAIL", "SNOW", "SOFA", "SONG", "SOUP", "SPACE", "SPIRAL", "SPLASH", "SPONGE", "SPOON",
    "SPRING", "SPROUT", "SPRUCE", "SQUARE", "SQUASH", "SQUID", "STALL", "STAPLE", "STAR", "STATUE", "STEP", "STONE",
    "STRAW", "STREAM", "STRIPE", "STUDIO", "STUMP", "SUGAR", "SUMMER", "SUMMIT", "SUNSET", "SURF", "SUSHI", "SWAMP",
    "SWAN", "SWIFT", "SWING", "SWITCH", "TABBY", "TABLE", "TACO", "TANDEM", "TAPE", "TAXI", "TEACUP", "TEAPOT",
    "TEDDY", "TENNIS", "TENT", "THREAD", "TIARA", "TICKET", "TIGER", "TILE", "TIMBER", "TIN", "TISSUE", "TOFFEE",
    "TOFU", "TOGGLE", "TOMATO", "TORCH", "TOUCAN", "TOWER", "TOY", "TRAIN", "TRAM", "TRIFLE", "TRIPOD", "TROWEL",
    "TRUCK", "TUBE", "TULIP", "TUNA", "TUNNEL", "TURRET", "TURTLE", "TWIG", "VALLEY", "VAN", "VASE", "VELVET", "VILLA",
    "VINE", "VIOLIN", "WAFFLE", "WAGON", "WALLET", "WALNUT", "WALRUS", "WATCH", "WATER", "WAVE", "WHEAT", "WHISK",
    "WIND", "WINDOW", "WINTER", "WOMBAT", "ZEBRA", "ZIP", "ZOO",
];

#[cfg(test)]
mod tests {
    use super::*;
    use sha2::Digest;

    /// A deterministic stream of seeds: SHA-256 of a label and a counter.
    fn seed(label: &str, i: u64) -> [u8; 32] {
        Sha256::new().chain_update(label.as_bytes()).chain_update(i.to_le_bytes()).finalize().into()
    }

    fn code(s: &str) -> ReceiptCode {
        ReceiptCode::parse(s).unwrap_or_else(|e| panic!("{s:?} should parse: {e:?}"))
    }

    fn word_index(w: &str) -> usize {
        WORDS.binary_search(&w).expect("word from the list")
    }

    fn edit_distance(a: &str, b: &str) -> usize {
        let (a, b) = (a.as_bytes(), b.as_bytes());
        let mut prev: Vec<usize> = (0..=b.len()).collect();
        for (i, &ca) in a.iter().enumerate() {
            let mut cur = vec![i + 1];
            for (j, &cb) in b.iter().enumerate() {
                let substitute = prev[j] + usize::from(ca != cb);
                cur.push(substitute.min(prev[j + 1] + 1).min(cur[j] + 1));
            }
            prev = cur;
        }
        prev[b.len()]
    }

    // ---- the word list ----

    #[test]
    fn words_are_512_sorted_unique_short_upper_case_letters() {
        assert_eq!(WORDS.len(), 512);
        assert!(WORDS.len().is_power_of_two());
        for w in WORDS {
            assert!((3..=6).contains(&w.len()), "{w}: length");
            assert!(w.bytes().all(|b| b.is_ascii_uppercase()), "{w}: A-Z only");
        }
        for pair in WORDS.windows(2) {
            assert!(pair[0] < pair[1], "not sorted or not unique: {pair:?}");
        }
    }

    #[test]
    fn example_code_words_are_on_the_list() {
        for w in ["MAPLE", "OTTER", "RIVER"] {
            assert!(WORDS.contains(&w), "{w}");
        }
    }

    #[test]
    fn no_two_words_are_one_letter_apart() {
        // Stronger than "no easily misheard one-letter pairs": no one-letter
        // pairs at all (substitution, insertion or deletion), so a single
        // slip can never turn one word into another.
        for (i, a) in WORDS.iter().enumerate() {
            for b in &WORDS[i + 1..] {
                assert!(edit_distance(a, b) > 1, "{a} and {b} are one letter apart");
            }
        }
    }

    #[test]
    fn forbidden_words_are_absent() {
        const FORBIDDEN: &[(&str, &[&str])] = &[
            ("named in the brief", &["KNIFE", "GUN", "BLOOD", "GRAVE", "SKULL", "FAT", "PIG", "DEVIL"]),
            (
                "frightening, violent, or sad for some children",
                &[
                    "SWORD", "BOMB", "ARROW", "SPEAR", "AXE", "DEAD", "DIE", "KILL", "WAR", "GHOST", "WITCH",
                    "MONSTER", "DRAGON", "SNAKE", "SPIDER", "SHARK", "WOLF", "WASP", "CLOWN", "COFFIN", "FIRE",
                    "FLAME", "SMOKE", "STORM", "FLOOD", "POISON", "CAGE", "CHAIN", "JAIL", "PRISON", "ROPE", "NEEDLE",
                    "THORN", "NETTLE", "BONE", "BELT", "HOME", "MOTHER", "FATHER", "MUM", "DAD", "BABY",
                ],
            ),
            (
                "read as insults, or rude slang in the UK",
                &[
                    "RAT", "COW", "DONKEY", "MONKEY", "APE", "GORILLA", "TOAD", "SLUG", "WORM", "WHALE", "HIPPO",
                    "WEASEL", "TURKEY", "CHICKEN", "DODO", "CUCKOO", "GANNET", "SHREW", "TIT", "COCK", "BOOBY",
                    "BEAVER", "ASS", "BUM", "NUT", "NUTS", "PLUM", "MELON", "MUG", "JUG", "TART", "HOE", "BUSH",
                    "PANSY", "FAIRY", "GINGER", "FRUIT", "PUFF", "TWIT", "PRAT", "NIT", "DOPE", "FOOL", "DUMMY",
                    "HELMET", "KNOB", "TOOL", "PLANK", "MUPPET", "BONGO", "SPADE", "DIGGER", "GRASS", "ANORAK",
                ],
            ),
            (
                "body parts, including ones that double as other things",
                &[
                    "HEAD", "HAND", "FOOT", "ARM", "LEG", "EYE", "EAR", "NOSE", "LIP", "HAIR", "HEART", "CHIN", "KNEE",
                    "NECK", "BACK", "CHEST", "PALM", "SOLE", "CALF", "IRIS", "PUPIL", "HIP", "RIB", "SKIN", "TOOTH",
                    "TOE", "NAIL", "BELLY", "TRUNK", "TEMPLE", "ORGAN", "MOLE",
                ],
            ),
            (
                "religious, royal or political",
                &[
                    "ANGEL", "CHURCH", "CROSS", "HALO", "PRAYER", "BIBLE", "KING", "QUEEN", "CROWN", "FLAG", "VOTE",
                    "PARTY", "NAVY", "ALIEN", "WAFER",
                ],
            ),
            ("brand names", &["LEGO", "PUMA", "JAGUAR", "LYNX", "COLT", "JEEP", "OREO", "BOUNTY", "MARS"]),
            (
                "drink, drugs and pork",
                &["BEER", "WINE", "CIDER", "WEED", "POT", "ICE", "SPICE", "PORK", "HAM", "BACON"],
            ),
            (
                "number words, confusable with the number part",
                &[
                    "ZERO", "ONE", "TWO", "THREE", "FOUR", "FIVE", "SIX", "SEVEN", "EIGHT", "NINE", "TEN", "ELEVEN",
                    "TWELVE", "TWENTY", "THIRTY", "FORTY", "FIFTY", "SIXTY", "EIGHTY", "NINETY",
                ],
            ),
            ("sound like letter names", &["BEE", "SEA", "TEA", "PEA", "JAY", "EWE", "YEW", "OWE", "QUEUE", "WHY"]),
        ];
        for (why, words) in FORBIDDEN {
            for w in *words {
                assert!(!WORDS.contains(w), "{w} must not be a code word ({why})");
            }
        }
    }

    #[test]
    fn no_homophone_pairs() {
        // Neither word in a pair may sit beside the other; most of these also
        // keep both words out, because hearing one you might write the other.
        const PAIRS: &[(&str, &str)] = &[
            ("BEAR", "BARE"),
            ("SUN", "SON"),
            ("MEAT", "MEET"),
            ("FLOUR", "FLOWER"),
            ("SEA", "SEE"),
            ("KNIGHT", "NIGHT"),
            ("PAIR", "PEAR"),
            ("TAIL", "TALE"),
            ("DEER", "DEAR"),
            ("HARE", "HAIR"),
            ("ROSE", "ROWS"),
            ("PLANE", "PLAIN"),
            ("SAIL", "SALE"),
            ("WHALE", "WAIL"),
            ("BERRY", "BURY"),
            ("BEACH", "BEECH"),
            ("FIR", "FUR"),
            ("WOOD", "WOULD"),
            ("HOLE", "WHOLE"),
            ("BLUE", "BLEW"),
            ("KEY", "QUAY"),
            ("REED", "READ"),
            ("PEAK", "PEEK"),
            ("STEAK", "STAKE"),
            ("STAIR", "STARE"),
            ("MAIL", "MALE"),
            ("ROLL", "ROLE"),
            ("BOARD", "BORED"),
            ("FAIR", "FARE"),
            ("HEEL", "HEAL"),
            ("PIER", "PEER"),
            ("DEW", "DUE"),
            ("MIST", "MISSED"),
            ("TIDE", "TIED"),
            ("LEEK", "LEAK"),
            ("THYME", "TIME"),
            ("CELLAR", "SELLER"),
            ("DIARY", "DAIRY"),
            ("STORY", "STOREY"),
            ("DESERT", "DESSERT"),
            ("FERRY", "FAIRY"),
            ("CEREAL", "SERIAL"),
            ("CYMBAL", "SYMBOL"),
            ("CURRANT", "CURRENT"),
            ("MEDAL", "MEDDLE"),
            ("PEDAL", "PEDDLE"),
            ("YOLK", "YOKE"),
            ("HAY", "HEY"),
            ("BEAN", "BEEN"),
            ("ROOT", "ROUTE"),
            ("PASTA", "PASTOR"),
            ("CONKER", "CONQUER"),
            ("STORK", "STALK"),
            ("LAVA", "LARVA"),
            ("SAUCE", "SOURCE"),
            ("SHORE", "SURE"),
            ("HALL", "HAUL"),
            ("BURROW", "BOROUGH"),
            ("LAIR", "LAYER"),
            ("MOOSE", "MOUSSE"),
            ("SUNDAE", "SUNDAY"),
            ("TERN", "TURN"),
            ("MANOR", "MANNER"),
            ("COPSE", "CORPSE"),
            ("HOSE", "HOES"),
            ("ISLE", "AISLE"),
            ("CREEK", "CREAK"),
            ("MARE", "MAYOR"),
            ("KOI", "COY"),
            ("TIE", "THAI"),
            ("TREE", "THREE"),
            ("MOOR", "MORE"),
            ("ANT", "AUNT"),
            ("GRAPE", "GRAPH"),
            ("GALE", "GAIL"),
            ("SHEEP", "SHIP"),
            ("BUTTER", "BUTTON"),
            ("VIOLET", "VIOLIN"),
            ("LABEL", "TABLE"),
            ("GEM", "JAM"),
            ("PILLAR", "PILLOW"),
            ("RAISIN", "RAVEN"),
            ("TOKEN", "TOUCAN"),
            ("COMET", "COMIC"),
            ("STREAM", "STREET"),
        ];
        for (a, b) in PAIRS {
            assert!(!(WORDS.contains(a) && WORDS.contains(b)), "{a} and {b} sound alike");
        }
    }

    #[test]
    fn no_plurals() {
        // Words that end in S are singular nouns that happen to.
        const SINGULAR_S: &[&str] = &[
            "ABACUS", "ATLAS", "BUS", "CACTUS", "CANVAS", "CHESS", "DRESS", "GLASS", "MOSS", "OASIS", "TENNIS",
            "WALRUS",
        ];
        for w in WORDS {
            assert!(!w.ends_with('S') || SINGULAR_S.contains(&w), "{w} looks like a plural");
        }
    }

    #[test]
    fn no_rude_strings_inside_words() {
        const INSIDE: &[&str] = &[
            "RAPE", "CUNT", "FUCK", "SHIT", "COCK", "DICK", "TWAT", "PISS", "WANK", "SLUT", "NIGG", "FAG", "PORN",
            "SEX", "KILL", "DEAD", "NAZI", "GUN", "BOMB",
        ];
        for w in WORDS {
            for bad in INSIDE {
                assert!(!w.contains(bad), "{w} contains {bad}");
            }
        }
    }

    // ---- from_seed ----

    #[test]
    fn space_is_512_cubed_times_90() {
        assert_eq!(ReceiptCode::SPACE, 512 * 512 * 512 * 90);
        assert_eq!(ReceiptCode::SPACE, 12_079_595_520);
        // "With a million responses, a random guess hits one about once in
        // 12,000 tries."
        assert_eq!(ReceiptCode::SPACE / 1_000_000, 12_079);
    }

    #[test]
    fn from_seed_is_deterministic() {
        for i in 0..100 {
            let s = seed("deterministic", i);
            assert_eq!(ReceiptCode::from_seed(&s), ReceiptCode::from_seed(&s));
        }
    }

    #[test]
    fn from_seed_mapping_is_pinned() {
        // Changing the mapping would change the code a resubmitted form shows.
        assert_eq!(ReceiptCode::from_seed(&[0; 32]).as_str(), "ABACUS-ABACUS-ABACUS-10");
        assert_eq!(ReceiptCode::from_seed(&[0xFF; 32]).as_str(), format!("ZOO-ZOO-ZOO-{}", u64::MAX % 90 + 10));
        let s: [u8; 32] = Sha256::digest(b"listening-loop test seed").into();
        assert_eq!(ReceiptCode::from_seed(&s).as_str(), "DOOR-SALT-TICKET-76");
    }

    #[test]
    fn different_seeds_give_different_codes() {
        assert_ne!(ReceiptCode::from_seed(&[0; 32]), ReceiptCode::from_seed(&[1; 32]));
        let codes: std::collections::HashSet<String> =
            (0..2_000).map(|i| ReceiptCode::from_seed(&seed("distinct", i)).to_string()).collect();
        assert_eq!(codes.len(), 2_000);
    }

    #[test]
    fn from_seed_codes_have_the_canonical_format() {
        for i in 0..2_000 {
            let c = ReceiptCode::from_seed(&seed("format", i));
            let s = c.as_str();
            // ^[A-Z]{3,6}-[A-Z]{3,6}-[A-Z]{3,6}-[1-9][0-9]$, words from the list
            let parts: Vec<&str> = s.split('-').collect();
            assert_eq!(parts.len(), 4, "{s}");
            for w in &parts[..3] {
                assert!((3..=6).contains(&w.len()), "{s}");
                assert!(w.bytes().all(|b| b.is_ascii_uppercase()), "{s}");
                assert!(WORDS.contains(w), "{s}");
            }
            let n = parts[3].as_bytes();
            assert_eq!(n.len(), 2, "{s}");
            assert!((b'1'..=b'9').contains(&n[0]) && n[1].is_ascii_digit(), "{s}");
            assert!(s.len() <= 23, "{s}");
            assert_eq!(c.to_string(), s);
        }
    }

    #[test]
    fn round_trip_parse_display_for_10_000_seeds() {
        for i in 0..10_000 {
            let c = ReceiptCode::from_seed(&seed("round trip", i));
            assert_eq!(ReceiptCode::parse(&c.to_string()), Ok(c.clone()));
            assert_eq!(ReceiptCode::parse(&c.as_str().to_lowercase()), Ok(c));
        }
    }

    #[test]
    fn uniform_over_100_000_sequential_seeds() {
        const N: u64 = 100_000;
        let mut words = [[0u32; 512]; 3];
        let mut numbers = [0u32; 100];
        for i in 0..N {
            let s: [u8; 32] = Sha256::digest(i.to_le_bytes()).into();
            let c = ReceiptCode::from_seed(&s);
            let parts: Vec<&str> = c.as_str().split('-').collect();
            for (position, w) in parts[..3].iter().enumerate() {
                words[position][word_index(w)] += 1;
            }
            numbers[parts[3].parse::<usize>().unwrap()] += 1;
        }
        for (position, counts) in words.iter().enumerate() {
            for (index, &count) in counts.iter().enumerate() {
                assert!(count > 0, "{} never appeared at position {position}", WORDS[index]);
            }
        }
        assert!(numbers[..10].iter().all(|&c| c == 0));
        let mean = N as f64 / 90.0;
        for (n, &count) in numbers.iter().enumerate().skip(10) {
            let off = (f64::from(count) - mean).abs() / mean;
            assert!(off <= 0.30, "{n} appeared {count} times; mean {mean:.0}");
        }
    }

    // ---- parse ----

    #[test]
    fn parse_is_tolerant_of_how_people_type() {
        let canonical = code("MAPLE-OTTER-RIVER-73");
        assert_eq!(canonical.as_str(), "MAPLE-OTTER-RIVER-73");
        let typings = [
            "maple-otter-river-73",
            "Maple-Otter-River-73",
            "mApLe-oTtEr-RiVeR-73",
            "maple otter river 73",
            "MAPLE OTTER RIVER 73",
            "maple otter river73",
            "MAPLE-OTTER-RIVER73",
            "maple otter river-73",
            "maple\u{2013}otter\u{2013}river\u{2013}73", // en dash
            "maple\u{2014}otter\u{2014}river\u{2014}73", // em dash
            "MAPLE \u{2013} OTTER \u{2013} RIVER \u{2013} 73",
            "MAPLE\u{2010}OTTER\u{2011}RIVER\u{2212}73", // hyphen, no-break hyphen, minus
            "   maple    otter  river   73   ",
            "\tmaple-otter-river-73\n",
            "maple\u{a0}otter\u{a0}river\u{a0}73", // no-break spaces from a paste
            "maple.otter.river.73",
            "maple_otter_river_73",
            "maple, otter, river, 73",
            "maple--otter--river--73",
            "maple - otter - river - 73",
            "-maple-otter-river-73-",
            "maple otter river 73.",
            "Maple -- otter .. RIVER __ 73",
            "maple,otter.river_73",
        ];
        for t in typings {
            assert_eq!(ReceiptCode::parse(t), Ok(canonical.clone()), "{t:?}");
        }
    }

    #[test]
    fn parse_rejects_everything_else() {
        use ReceiptCodeError::*;
        let long_valid_repeat = "MAPLE-OTTER-RIVER-73 ".repeat(10);
        let very_long = "A".repeat(100_000);
        let long_spaces = format!("{}MAPLE-OTTER-RIVER-73", " ".repeat(200));
        let cases: &[(&str, ReceiptCodeError)] = &[
            // Nothing there.
            ("", Empty),
            ("   ", Empty),
            ("\n\t ", Empty),
            ("- - -", Empty),
            ("\u{2014}", Empty),
            // Wrong number of parts.
            ("MAPLE", WrongShape),
            ("MAPLE-OTTER", WrongShape),
            ("MAPLE-OTTER-73", WrongShape),
            ("MAPLE-OTTER-RIVER", WrongShape),
            ("MAPLE-OTTER-RIVER-FOX-73", WrongShape),
            ("MAPLE-OTTER-RIVER-FOX-OAK-ELM-73", WrongShape),
            ("73", WrongShape),
            ("73-MAPLE-OTTER-RIVER", WrongShape),
            ("MAPLE-OTTER-RIVER-7-3", WrongShape),
            ("MAPLEOTTERRIVER73", WrongShape),
            // Characters that are not letters, digits or separators.
            ("MAPLE/OTTER/RIVER/73", WrongShape),
            ("MAPLE-OTTER-RIVER-#73", WrongShape),
            ("MAPLE-\u{1F9A6}-RIVER-73", WrongShape), // otter emoji
            ("MAPLE-OTTER-RIVER-73 \u{1F642}", WrongShape),
            ("\u{1F9A6}\u{1F9A6}\u{1F9A6}", WrongShape),
            ("MAPL\u{c9}-OTTER-RIVER-73", WrongShape), // accented letter
            ("\u{ff2d}\u{ff21}\u{ff30}\u{ff2c}\u{ff25}-OTTER-RIVER-73", WrongShape), // fullwidth
            ("MAPLE-OTTER-RIVER-\u{667}\u{663}", WrongShape), // Arabic-Indic digits
            // Far too long, even when it starts or ends with a good code.
            (long_valid_repeat.as_str(), WrongShape),
            (very_long.as_str(), WrongShape),
            (long_spaces.as_str(), WrongShape),
            // The right shape, but a word that is not on the list.
            ("MAPLE-OTTER-PIGLET-73", UnknownWord),
            ("MAPLE-OTTER-RIVVER-73", UnknownWord),
            ("MAPLE-OTTER-RIVERS-73", UnknownWord),
            ("MAPLE-OTTER-RIV3R-73", UnknownWord),
            ("MAPLE-OTTER-PIG-73", UnknownWord),
            ("MAPLE-OTTER-RIVER73-73", UnknownWord),
            ("PIGLET-OTTER-RIVER-5", UnknownWord), // words are checked first
            // The right words, but not a number from 10 to 99.
            ("MAPLE-OTTER-RIVER-5", BadNumber),
            ("MAPLE-OTTER-RIVER-0", BadNumber),
            ("MAPLE-OTTER-RIVER-07", BadNumber),
            ("MAPLE-OTTER-RIVER-00", BadNumber),
            ("MAPLE-OTTER-RIVER-100", BadNumber),
            ("MAPLE-OTTER-RIVER-073", BadNumber),
            ("MAPLE-OTTER-RIVER-7A", BadNumber),
            ("MAPLE-OTTER-RIVER-7O", BadNumber), // letter O for zero
            ("MAPLE-OTTER-RIVER73A", BadNumber),
            ("MAPLE-OTTER-RIVER-9999999999999999999999", BadNumber),
        ];
        for (input, expected) in cases {
            assert_eq!(
                ReceiptCode::parse(input).as_ref(),
                Err(expected),
                "{:?}",
                input.chars().take(60).collect::<String>()
            );
        }
    }

    #[test]
    fn a_one_letter_slip_is_never_another_valid_code() {
        let c = code("MAPLE-OTTER-RIVER-73");
        let s = c.as_str();
        for (i, ch) in s.char_indices() {
            if !ch.is_ascii_uppercase() {
                continue;
            }
            for replacement in 'A'..='Z' {
                if replacement == ch {
                    continue;
                }
                let typo = format!("{}{replacement}{}", &s[..i], &s[i + 1..]);
                assert_eq!(ReceiptCode::parse(&typo), Err(ReceiptCodeError::UnknownWord), "{typo}");
            }
        }
    }

    #[test]
    fn parse_never_panics() {
        let tricky = "maple\u{2013}OTTER\u{a0}river73\u{1F9A6}\u{301}\u{200b}-.,_ 0\u{ff10}";
        for (start, _) in tricky.char_indices() {
            for (end, _) in tricky.char_indices().skip_while(|&(e, _)| e < start) {
                let _ = ReceiptCode::parse(&tricky[start..end]);
            }
            let _ = ReceiptCode::parse(&tricky[start..]);
        }
        for i in 0..5_000 {
            let bytes = seed("noise", i);
            let noise = String::from_utf8_lossy(&bytes[..(i as usize % 32)]).into_owned();
            let _ = ReceiptCode::parse(&noise);
            let ascii: String =
                bytes.iter().map(|b| char::from(b"MAPLE otr-vi73.,_0Z9\t"[usize::from(*b) % 21])).collect();
            let _ = ReceiptCode::parse(&ascii);
        }
    }

    // ---- Debug, Display, errors ----

    #[test]
    fn debug_does_not_print_the_code() {
        let c = code("MAPLE-OTTER-RIVER-73");
        let shown = [
            format!("{c:?}"),
            format!("{c:#?}"),
            format!("{:?}", Some(c.clone())),
            format!("{:?}", ReceiptCode::parse("maple otter river 73")),
            format!("{:?}", vec![c.clone()]),
        ];
        for s in shown {
            assert!(s.contains("ReceiptCode(..)"), "{s}");
            for secret in ["MAPLE", "OTTER", "RIVER", "73", "maple"] {
                assert!(!s.contains(secret), "{s} leaks {secret}");
            }
        }
        assert_eq!(format!("{c:?}"), "ReceiptCode(..)");
    }

    #[test]
    fn display_and_as_str_are_canonical() {
        let c = code(" maple otter river73 ");
        assert_eq!(c.to_string(), "MAPLE-OTTER-RIVER-73");
        assert_eq!(c.as_str(), "MAPLE-OTTER-RIVER-73");
    }

    #[test]
    fn errors_are_plain_english_and_do_not_echo_input() {
        let typed = "maple otter pigletty 73";
        let err = ReceiptCode::parse(typed).unwrap_err();
        assert_eq!(err, ReceiptCodeError::UnknownWord);
        assert!(!format!("{err} {err:?}").to_lowercase().contains("piglet"));
        for e in [
            ReceiptCodeError::Empty,
            ReceiptCodeError::WrongShape,
            ReceiptCodeError::UnknownWord,
            ReceiptCodeError::BadNumber,
        ] {
            let message = e.to_string();
            assert!(message.ends_with('.'), "{message}");
            assert!(message.len() < 120, "{message}");
            let boxed: Box<dyn std::error::Error> = Box::new(e);
            assert_eq!(boxed.to_string(), message);
        }
        assert!(ReceiptCodeError::WrongShape.to_string().starts_with(
            "That doesn't look like a receipt code. It has three words and a number, \
             like MAPLE-OTTER-RIVER-73."
        ));
    }

    // ---- lookup_hash ----

    const KEY: [u8; 32] = [3; 32];

    #[test]
    fn lookup_hash_is_64_lower_case_hex_and_stable() {
        let c = code("MAPLE-OTTER-RIVER-73");
        let h = c.lookup_hash(&KEY);
        assert_eq!(h.len(), 64);
        assert!(h.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')), "{h}");
        assert_eq!(h, c.lookup_hash(&KEY));
        assert_eq!(h, c.clone().lookup_hash(&KEY));
        assert!(!h.to_uppercase().contains("MAPLE"));
    }

    #[test]
    fn lookup_hash_is_equal_for_equivalent_typings() {
        let expected = code("MAPLE-OTTER-RIVER-73").lookup_hash(&KEY);
        for t in ["maple otter river73", "  Maple\u{2013}Otter\u{2013}River\u{2013}73 ", "maple.otter.river.73"] {
            assert_eq!(code(t).lookup_hash(&KEY), expected, "{t:?}");
        }
        assert_ne!(code("MAPLE-OTTER-RIVER-74").lookup_hash(&KEY), expected);
        assert_ne!(code("OTTER-MAPLE-RIVER-73").lookup_hash(&KEY), expected);
    }

    #[test]
    fn a_response_id_is_the_first_half_of_the_lookup_hash() {
        let c = code("MAPLE-OTTER-RIVER-73");
        let id = c.response_id(&KEY);
        assert_eq!(id.len(), 32);
        assert!(c.lookup_hash(&KEY).starts_with(&id));
        assert_ne!(id, c.response_id(&[4; 32]));
        assert_ne!(id, code("MAPLE-OTTER-RIVER-74").response_id(&KEY));
    }

    #[test]
    fn lookup_hash_needs_the_key() {
        let c = code("MAPLE-OTTER-RIVER-73");
        let unkeyed = hex::encode(Sha256::digest([LOOKUP_DOMAIN, c.as_str().as_bytes()].concat()));
        assert_ne!(c.lookup_hash(&KEY), unkeyed);
        assert_ne!(c.lookup_hash(&KEY), c.lookup_hash(&[4; 32]));
    }
}
