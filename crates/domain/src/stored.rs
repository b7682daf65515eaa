//! Kinds and states that are stored as short text codes. [`stored_enum!`] declares such an
//! enum once — its variants and their codes — and derives everything else from that one list:
//! `code()`, `parse()`, `ALL`, `TryFrom<String>` (so the store decodes a row straight into the
//! enum and an unknown code is an error, never a silent default) and `Display`. The migrations'
//! `CHECK` constraints list the same codes; a test in the store compares the two.

/// A stored code that names no variant: the database holds something this build does not know.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {kind} code «{code}»")]
pub struct UnknownCode {
    pub kind: &'static str,
    pub code: String,
}

/// Declares an enum stored as text codes. See the module documentation.
#[macro_export]
macro_rules! stored_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident = $code:literal ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name {
            $( $(#[$vmeta])* $variant ),+
        }

        impl $name {
            /// Every variant, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The code stored in the database and used in URLs and forms.
            pub const fn code(self) -> &'static str {
                match self {
                    $($name::$variant => $code),+
                }
            }

            /// The variant a code names.
            pub fn parse(code: &str) -> Result<Self, $crate::stored::UnknownCode> {
                match code {
                    $($code => Ok($name::$variant),)+
                    other => Err($crate::stored::UnknownCode {
                        kind: stringify!($name),
                        code: other.to_owned(),
                    }),
                }
            }
        }

        impl TryFrom<String> for $name {
            type Error = $crate::stored::UnknownCode;
            fn try_from(code: String) -> Result<Self, Self::Error> {
                Self::parse(&code)
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.code())
            }
        }

        impl ::serde::Serialize for $name {
            fn serialize<S: ::serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.code())
            }
        }
    };
}

#[cfg(test)]
mod tests {
    crate::stored_enum! {
        /// A test enum.
        pub enum Colour {
            Red = "red",
            DarkBlue = "dark_blue",
        }
    }

    #[test]
    fn codes_round_trip_and_unknown_codes_are_errors() {
        for c in Colour::ALL {
            assert_eq!(Colour::parse(c.code()), Ok(*c));
            assert_eq!(Colour::try_from(c.to_string()), Ok(*c));
        }
        let e = Colour::parse("Red").unwrap_err();
        assert_eq!(e.kind, "Colour");
        assert_eq!(e.to_string(), "unknown Colour code «Red»");
    }
}
