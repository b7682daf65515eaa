//! Decoding the domain's stored codes (`sportello_domain::stored_enum!`) straight from rows.
//! A required code is read with `#[sqlx(try_from = "String")]`; an optional one through
//! [`OptionalCode`], since a conversion into `Option<T>` needs a type of this crate to hang on.
//! An unknown code fails the read with a decode error: never a default.

use sqlx::any::{Any, AnyTypeInfo, AnyValueRef};
use sqlx::error::BoxDynError;

/// A nullable text column holding a stored code.
pub struct OptionalCode(Option<String>);

impl sqlx::Type<Any> for OptionalCode {
    fn type_info() -> AnyTypeInfo {
        <String as sqlx::Type<Any>>::type_info()
    }

    fn compatible(ty: &AnyTypeInfo) -> bool {
        <String as sqlx::Type<Any>>::compatible(ty)
    }
}

impl<'r> sqlx::Decode<'r, Any> for OptionalCode {
    fn decode(value: AnyValueRef<'r>) -> Result<Self, BoxDynError> {
        Ok(Self(<Option<String> as sqlx::Decode<'r, Any>>::decode(
            value,
        )?))
    }
}

macro_rules! optional_code {
    ($($ty:ty),+) => {$(
        impl TryFrom<OptionalCode> for Option<$ty> {
            type Error = sportello_domain::stored::UnknownCode;
            fn try_from(code: OptionalCode) -> Result<Self, Self::Error> {
                code.0.as_deref().map(<$ty>::parse).transpose()
            }
        }
    )+};
}

optional_code!(sportello_domain::participation::Execution);

/// An integer column holding a yes/no (0 or 1: both dialects store flags as integers). Read
/// with `#[sqlx(try_from = "Flag")]` into a `bool`; any other number fails the read.
pub struct Flag(i64);

impl sqlx::Type<Any> for Flag {
    fn type_info() -> AnyTypeInfo {
        <i64 as sqlx::Type<Any>>::type_info()
    }

    fn compatible(ty: &AnyTypeInfo) -> bool {
        <i64 as sqlx::Type<Any>>::compatible(ty)
    }
}

impl<'r> sqlx::Decode<'r, Any> for Flag {
    fn decode(value: AnyValueRef<'r>) -> Result<Self, BoxDynError> {
        Ok(Self(<i64 as sqlx::Decode<'r, Any>>::decode(value)?))
    }
}

/// A flag column holding neither 0 nor 1.
#[derive(Debug, thiserror::Error)]
#[error("a flag column holds {0}, neither 0 nor 1")]
pub struct NotAFlag(i64);

impl TryFrom<Flag> for bool {
    type Error = NotAFlag;
    fn try_from(flag: Flag) -> Result<Self, Self::Error> {
        match flag.0 {
            0 => Ok(false),
            1 => Ok(true),
            other => Err(NotAFlag(other)),
        }
    }
}
