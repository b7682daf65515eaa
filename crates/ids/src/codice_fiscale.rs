//! Codice fiscale of a natural person (DM 23/12/1976): 16 characters, the last one a check
//! character; for homonyms (omocodia) the Revenue Agency replaces digits, from the right, with
//! the letters L M N P Q R S T U V. A parsed `CodiceFiscale` is always in its canonical
//! upper-case form and its check character is correct.

use std::fmt;
use time::{Date, Month};

/// Why a string is not a valid codice fiscale.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CodiceFiscaleError {
    #[error("il codice fiscale deve avere 16 caratteri")]
    Length,
    #[error("il codice fiscale contiene un carattere non ammesso in posizione {0}")]
    Character(usize),
    #[error("il mese di nascita nel codice fiscale non è valido")]
    Month,
    #[error("il giorno di nascita nel codice fiscale non è valido")]
    Day,
    #[error("il carattere di controllo del codice fiscale non è corretto")]
    CheckCharacter,
}

/// Sex as encoded in the codice fiscale (day of birth + 40 for women).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum Sex {
    M,
    F,
}

/// The data a codice fiscale is computed from.
#[derive(Debug, Clone)]
pub struct PersonData<'a> {
    pub surname: &'a str,
    pub name: &'a str,
    pub birth_date: Date,
    pub sex: Sex,
    /// Cadastral code of the municipality of birth (e.g. `E625` Livorno), or `Z` + 3 digits abroad.
    pub birthplace: &'a str,
}

/// A valid codice fiscale. Read back from storage through the parser too (`Deserialize`), so
/// a stored value that is not valid fails the read.
#[derive(
    Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(try_from = "String", into = "String")]
pub struct CodiceFiscale(String);

impl From<CodiceFiscale> for String {
    fn from(cf: CodiceFiscale) -> String {
        cf.0
    }
}

impl TryFrom<String> for CodiceFiscale {
    type Error = CodiceFiscaleError;
    fn try_from(s: String) -> Result<Self, CodiceFiscaleError> {
        CodiceFiscale::parse(&s)
    }
}

/// The code as text (upper case, as parsed), wherever a `&str` is wanted.
impl std::ops::Deref for CodiceFiscale {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

const MONTHS: &[u8; 12] = b"ABCDEHLMPRST";
const OMOCODIA: &[u8; 10] = b"LMNPQRSTUV";
/// Positions (0-based) that hold digits, which omocodia may replace with letters.
const DIGIT_POSITIONS: [usize; 7] = [6, 7, 9, 10, 12, 13, 14];
/// Values of characters in odd (1-based) positions, for `0..=9` and `A..=Z`.
const ODD_DIGITS: [u32; 10] = [1, 0, 5, 7, 9, 13, 15, 17, 19, 21];
const ODD_LETTERS: [u32; 26] = [
    1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 2, 4, 18, 20, 11, 3, 6, 8, 12, 14, 16, 10, 22, 25, 24, 23,
];

impl CodiceFiscale {
    /// Parses and validates a codice fiscale; accepts lower case and surrounding spaces.
    pub fn parse(input: &str) -> Result<Self, CodiceFiscaleError> {
        let s = input.trim().to_ascii_uppercase();
        let bytes = s.as_bytes();
        if bytes.len() != 16 {
            return Err(CodiceFiscaleError::Length);
        }
        for (i, &b) in bytes.iter().enumerate() {
            let ok = match i {
                0..=5 | 8 | 11 | 15 => b.is_ascii_uppercase(),
                _ => b.is_ascii_digit() || OMOCODIA.contains(&b),
            };
            if !ok {
                return Err(CodiceFiscaleError::Character(i + 1));
            }
        }
        let canonical = decode_omocodia(bytes);
        let month_letter = canonical.get(8).copied().unwrap_or(b'?');
        if !MONTHS.contains(&month_letter) {
            return Err(CodiceFiscaleError::Month);
        }
        let day = two_digits(&canonical, 9);
        if !(1..=31).contains(&day) && !(41..=71).contains(&day) {
            return Err(CodiceFiscaleError::Day);
        }
        let body = bytes.get(..15).ok_or(CodiceFiscaleError::Length)?;
        if bytes.get(15).copied() != Some(check_character(body)) {
            return Err(CodiceFiscaleError::CheckCharacter);
        }
        Ok(Self(s))
    }

    /// Computes the codice fiscale of a person (without omocodia).
    pub fn compute(person: &PersonData<'_>) -> Result<Self, CodiceFiscaleError> {
        let mut code = String::with_capacity(16);
        code.push_str(&surname_code(person.surname));
        code.push_str(&name_code(person.name));
        let year = person.birth_date.year().rem_euclid(100);
        code.push_str(&format!("{year:02}"));
        let month_index = usize::from(u8::from(person.birth_date.month())) - 1;
        code.push(char::from(*MONTHS.get(month_index).unwrap_or(&b'A')));
        let day = u32::from(person.birth_date.day()) + if person.sex == Sex::F { 40 } else { 0 };
        code.push_str(&format!("{day:02}"));
        code.push_str(&person.birthplace.to_ascii_uppercase());
        let check = check_character(code.as_bytes());
        code.push(char::from(check));
        Self::parse(&code)
    }

    /// The same person's code with the `level`-th omocodia substitution (1..=7), as the
    /// Revenue Agency assigns to the second, third… homonym.
    pub fn with_omocodia(&self, level: usize) -> Self {
        let mut bytes = decode_omocodia(self.0.as_bytes());
        for &pos in DIGIT_POSITIONS.iter().rev().take(level.min(7)) {
            if let Some(b) = bytes.get_mut(pos) {
                let digit = usize::from(b.saturating_sub(b'0'));
                *b = *OMOCODIA.get(digit).unwrap_or(b);
            }
        }
        let check = check_character(bytes.get(..15).unwrap_or_default());
        if let Some(last) = bytes.get_mut(15) {
            *last = check;
        }
        Self(String::from_utf8_lossy(&bytes).into_owned())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn sex(&self) -> Sex {
        let canonical = decode_omocodia(self.0.as_bytes());
        if two_digits(&canonical, 9) > 40 {
            Sex::F
        } else {
            Sex::M
        }
    }

    /// Cadastral code of the place of birth.
    pub fn birthplace(&self) -> String {
        let canonical = decode_omocodia(self.0.as_bytes());
        String::from_utf8_lossy(canonical.get(11..15).unwrap_or_default()).into_owned()
    }

    /// Date of birth. The code holds two digits of the year: the century is the one that
    /// puts the date not after `today` (a person is never born in the future).
    pub fn birth_date(&self, today: Date) -> Option<Date> {
        let canonical = decode_omocodia(self.0.as_bytes());
        let yy = i32::from(two_digits(&canonical, 6));
        let month_letter = *canonical.get(8)?;
        let month_index = MONTHS.iter().position(|&m| m == month_letter)?;
        let month = Month::try_from(u8::try_from(month_index + 1).ok()?).ok()?;
        let mut day = two_digits(&canonical, 9);
        if day > 40 {
            day -= 40;
        }
        let century = today.year() - today.year().rem_euclid(100);
        let mut date = Date::from_calendar_date(century + yy, month, day).ok()?;
        if date > today {
            date = Date::from_calendar_date(century - 100 + yy, month, day).ok()?;
        }
        Some(date)
    }

    /// Age in whole years on `today`.
    pub fn age_on(&self, today: Date) -> Option<u32> {
        let birth = self.birth_date(today)?;
        let mut age = today.year() - birth.year();
        if (today.month() as u8, today.day()) < (birth.month() as u8, birth.day()) {
            age -= 1;
        }
        u32::try_from(age).ok()
    }
}

impl fmt::Display for CodiceFiscale {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

fn decode_omocodia(bytes: &[u8]) -> Vec<u8> {
    let mut out = bytes.to_vec();
    for &pos in &DIGIT_POSITIONS {
        if let Some(b) = out.get_mut(pos) {
            if let Some(digit) = OMOCODIA.iter().position(|&l| l == *b) {
                *b = b'0' + u8::try_from(digit).unwrap_or(0);
            }
        }
    }
    out
}

fn two_digits(bytes: &[u8], at: usize) -> u8 {
    let tens = bytes.get(at).map_or(0, |b| b.wrapping_sub(b'0'));
    let units = bytes.get(at + 1).map_or(0, |b| b.wrapping_sub(b'0'));
    tens.wrapping_mul(10).wrapping_add(units)
}

fn check_character(body: &[u8]) -> u8 {
    let sum: u32 = body
        .iter()
        .enumerate()
        .map(|(i, &b)| {
            let (is_digit, index) = if b.is_ascii_digit() {
                (true, usize::from(b - b'0'))
            } else {
                (false, usize::from(b.saturating_sub(b'A')))
            };
            if i % 2 == 0 {
                // 1-based odd position
                if is_digit {
                    ODD_DIGITS.get(index).copied().unwrap_or(0)
                } else {
                    ODD_LETTERS.get(index).copied().unwrap_or(0)
                }
            } else {
                u32::try_from(index).unwrap_or(0)
            }
        })
        .sum();
    b'A' + u8::try_from(sum % 26).unwrap_or(0)
}

fn letters(s: &str) -> (Vec<char>, Vec<char>) {
    let upper: Vec<char> = s
        .to_uppercase()
        .chars()
        .map(strip_accent)
        .filter(char::is_ascii_alphabetic)
        .collect();
    let is_vowel = |c: &char| "AEIOU".contains(*c);
    let consonants = upper.iter().copied().filter(|c| !is_vowel(c)).collect();
    let vowels = upper.iter().copied().filter(is_vowel).collect();
    (consonants, vowels)
}

fn strip_accent(c: char) -> char {
    match c {
        'À' | 'Á' => 'A',
        'È' | 'É' => 'E',
        'Ì' | 'Í' => 'I',
        'Ò' | 'Ó' => 'O',
        'Ù' | 'Ú' => 'U',
        other => other,
    }
}

fn pad3(chars: impl Iterator<Item = char>) -> String {
    let mut out: String = chars.take(3).collect();
    while out.len() < 3 {
        out.push('X');
    }
    out
}

fn surname_code(surname: &str) -> String {
    let (consonants, vowels) = letters(surname);
    pad3(consonants.into_iter().chain(vowels))
}

fn name_code(name: &str) -> String {
    let (consonants, vowels) = letters(name);
    if consonants.len() >= 4 {
        let picked = [0usize, 2, 3]
            .iter()
            .filter_map(|&i| consonants.get(i).copied())
            .collect::<Vec<_>>();
        return pad3(picked.into_iter());
    }
    pad3(consonants.into_iter().chain(vowels))
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn read_back_through_the_parser() {
        let cf = CodiceFiscale::parse("rssmra80a01h501u").unwrap();
        let stored = String::from(cf.clone());
        assert_eq!(stored, "RSSMRA80A01H501U");
        assert_eq!(CodiceFiscale::try_from(stored), Ok(cf.clone()));
        assert!(CodiceFiscale::try_from("RSSMRA80A01H501X".to_string()).is_err());
        assert_eq!(
            &*cf, "RSSMRA80A01H501U",
            "reads as text where text is wanted"
        );
    }

    #[test]
    fn computes_known_codes() {
        // The textbook example of the Revenue Agency's algorithm.
        let cf = CodiceFiscale::compute(&PersonData {
            surname: "Rossi",
            name: "Mario",
            birth_date: date!(1980 - 01 - 01),
            sex: Sex::M,
            birthplace: "H501",
        })
        .unwrap();
        assert_eq!(cf.as_str(), "RSSMRA80A01H501U");
        let cf = CodiceFiscale::compute(&PersonData {
            surname: "Bianchi",
            name: "Gianfranco",
            birth_date: date!(1975 - 07 - 15),
            sex: Sex::M,
            birthplace: "E625",
        })
        .unwrap();
        // name with 4+ consonants: 1st, 3rd, 4th (G, N, F)
        assert!(cf.as_str().starts_with("BNCGFR75L15E625"));
        let cf = CodiceFiscale::compute(&PersonData {
            surname: "Fo",
            name: "Ida",
            birth_date: date!(2001 - 12 - 31),
            sex: Sex::F,
            birthplace: "D612",
        })
        .unwrap();
        assert!(cf.as_str().starts_with("FOXDIA01T71D612"));
    }

    #[test]
    fn parses_and_rejects() {
        assert!(CodiceFiscale::parse(" rssmra80a01h501u ").is_ok());
        assert_eq!(
            CodiceFiscale::parse("RSSMRA80A01H501A"),
            Err(CodiceFiscaleError::CheckCharacter)
        );
        assert_eq!(
            CodiceFiscale::parse("RSSMRA80A01H501"),
            Err(CodiceFiscaleError::Length)
        );
        assert_eq!(
            CodiceFiscale::parse("RSSMRA80Z01H501U"),
            Err(CodiceFiscaleError::Month)
        );
        assert_eq!(
            CodiceFiscale::parse("RSSMRA80A35H501U"),
            Err(CodiceFiscaleError::Day)
        );
        assert_eq!(
            CodiceFiscale::parse("RSSMRA8!A01H501U"),
            Err(CodiceFiscaleError::Character(8))
        );
    }

    #[test]
    fn omocodia_is_valid_and_decodes_to_the_same_person() {
        let base = CodiceFiscale::parse("RSSMRA80A01H501U").unwrap();
        let today = date!(2026 - 11 - 24);
        for level in 1..=7 {
            let homonym = base.with_omocodia(level);
            let reparsed = CodiceFiscale::parse(homonym.as_str()).unwrap();
            assert_ne!(reparsed, base);
            assert_eq!(reparsed.birth_date(today), base.birth_date(today));
            assert_eq!(reparsed.birthplace(), "H501");
        }
        // Level 1 replaces the last digit of the place code: 1 -> M.
        assert_eq!(&base.with_omocodia(1).as_str()[..15], "RSSMRA80A01H50M");
    }

    #[test]
    fn birth_date_sex_and_age() {
        let today = date!(2026 - 11 - 24);
        let cf = CodiceFiscale::parse("RSSMRA80A01H501U").unwrap();
        assert_eq!(cf.birth_date(today), Some(date!(1980 - 01 - 01)));
        assert_eq!(cf.age_on(today), Some(46));
        assert_eq!(cf.sex(), Sex::M);
        let minor = CodiceFiscale::compute(&PersonData {
            surname: "Verdi",
            name: "Giulia",
            birth_date: date!(2012 - 11 - 25),
            sex: Sex::F,
            birthplace: "E625",
        })
        .unwrap();
        assert_eq!(minor.sex(), Sex::F);
        assert_eq!(minor.age_on(today), Some(13)); // birthday is tomorrow
        assert_eq!(minor.age_on(date!(2026 - 11 - 25)), Some(14));
    }

    proptest::proptest! {
        #[test]
        fn computed_codes_round_trip(days in 0i64..36000, female: bool, place in 0u32..1000) {
            // Two digits of year name a century at most: births within the last 100 years.
            let birth = date!(1927 - 01 - 01) + time::Duration::days(days);
            let birthplace = format!("E{place:03}");
            let cf = CodiceFiscale::compute(&PersonData {
                surname: "Neri", name: "Luca", birth_date: birth,
                sex: if female { Sex::F } else { Sex::M }, birthplace: &birthplace,
            }).unwrap();
            proptest::prop_assert_eq!(cf.birth_date(date!(2026 - 11 - 24)), Some(birth));
            proptest::prop_assert_eq!(cf.birthplace(), birthplace);
        }

        #[test]
        fn any_single_character_change_is_caught(pos in 0usize..16, replacement in proptest::char::range('A', 'Z')) {
            let original = "RSSMRA80A01H501U";
            let mut chars: Vec<char> = original.chars().collect();
            proptest::prop_assume!(chars[pos] != replacement);
            chars[pos] = replacement;
            let changed: String = chars.into_iter().collect();
            // A substituted omocodia letter can denote the same digit only at digit positions;
            // everywhere else a changed character must be refused.
            if let Ok(cf) = CodiceFiscale::parse(&changed) {
                proptest::prop_assert!(DIGIT_POSITIONS.contains(&pos) || pos == 15);
                proptest::prop_assert_ne!(cf.as_str(), original);
            }
        }
    }
}
