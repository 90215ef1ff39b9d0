//! Python methods on values, which jinja2 templates call (`ticket.get('subject')`,
//! `label.startswith('Billing')`) and minijinja's core does not have: the common ones of
//! `dict`, `str` and `list`, with Python's results. Other methods stay errors.

use minijinja::value::{from_args, ValueKind};
use minijinja::{Error, ErrorKind, State, Value as Jinja};

/// minijinja's callback for a method it does not know.
pub(crate) fn call(
    _state: &State<'_, '_>,
    value: &Jinja,
    method: &str,
    args: &[Jinja],
) -> Result<Jinja, Error> {
    match value.kind() {
        ValueKind::Map => map_method(value, method, args),
        ValueKind::String => string_method(value.as_str().unwrap_or_default(), method, args),
        ValueKind::Seq => list_method(value, method, args),
        _ => Err(Error::from(ErrorKind::UnknownMethod)),
    }
}

fn map_method(map: &Jinja, method: &str, args: &[Jinja]) -> Result<Jinja, Error> {
    match method {
        "get" => {
            let (key, default): (Jinja, Option<Jinja>) = from_args(args)?;
            let found = map.get_item(&key)?;
            Ok(if found.is_undefined() {
                default.unwrap_or(Jinja::from(()))
            } else {
                found
            })
        }
        "keys" => {
            let () = from_args(args)?;
            Ok(Jinja::from(map.try_iter()?.collect::<Vec<_>>()))
        }
        "values" => {
            let () = from_args(args)?;
            let values: Result<Vec<_>, _> = map.try_iter()?.map(|key| map.get_item(&key)).collect();
            Ok(Jinja::from(values?))
        }
        "items" => {
            let () = from_args(args)?;
            let items: Result<Vec<_>, Error> = map
                .try_iter()?
                .map(|key| {
                    let value = map.get_item(&key)?;
                    Ok(Jinja::from(vec![key, value]))
                })
                .collect();
            Ok(Jinja::from(items?))
        }
        _ => Err(Error::from(ErrorKind::UnknownMethod)),
    }
}

fn string_method(text: &str, method: &str, args: &[Jinja]) -> Result<Jinja, Error> {
    let strip_set = |chars: Option<String>| {
        move |c: char| match &chars {
            Some(set) => set.contains(c),
            None => c.is_whitespace(),
        }
    };
    match method {
        "upper" => {
            let () = from_args(args)?;
            Ok(Jinja::from(text.to_uppercase()))
        }
        "lower" => {
            let () = from_args(args)?;
            Ok(Jinja::from(text.to_lowercase()))
        }
        "strip" => {
            let (chars,): (Option<String>,) = from_args(args)?;
            Ok(Jinja::from(text.trim_matches(strip_set(chars))))
        }
        "lstrip" => {
            let (chars,): (Option<String>,) = from_args(args)?;
            Ok(Jinja::from(text.trim_start_matches(strip_set(chars))))
        }
        "rstrip" => {
            let (chars,): (Option<String>,) = from_args(args)?;
            Ok(Jinja::from(text.trim_end_matches(strip_set(chars))))
        }
        "startswith" | "endswith" => {
            let (affix,): (Jinja,) = from_args(args)?;
            let test = |candidate: &str| {
                if method == "startswith" {
                    text.starts_with(candidate)
                } else {
                    text.ends_with(candidate)
                }
            };
            // A tuple of candidates is a list here.
            let found = match affix.as_str() {
                Some(candidate) => test(candidate),
                None => affix
                    .try_iter()?
                    .any(|candidate| candidate.as_str().is_some_and(test)),
            };
            Ok(Jinja::from(found))
        }
        "replace" => {
            let (old, new, count): (String, String, Option<i64>) = from_args(args)?;
            Ok(Jinja::from(match count {
                Some(count) if count >= 0 => {
                    text.replacen(&old, &new, usize::try_from(count).unwrap_or(usize::MAX))
                }
                _ => text.replace(&old, &new),
            }))
        }
        "split" => {
            let (separator, limit): (Option<String>, Option<i64>) = from_args(args)?;
            let limit = limit
                .filter(|limit| *limit >= 0)
                .and_then(|limit| usize::try_from(limit).ok());
            let parts: Vec<Jinja> = match separator {
                Some(separator) if separator.is_empty() => {
                    return Err(Error::new(ErrorKind::InvalidOperation, "empty separator"));
                }
                Some(separator) => match limit {
                    Some(limit) => text
                        .splitn(limit + 1, separator.as_str())
                        .map(Jinja::from)
                        .collect(),
                    None => text.split(separator.as_str()).map(Jinja::from).collect(),
                },
                None => split_whitespace(text, limit),
            };
            Ok(Jinja::from(parts))
        }
        "join" => {
            let (items,): (Jinja,) = from_args(args)?;
            let parts: Result<Vec<String>, Error> = items
                .try_iter()?
                .map(|item| {
                    item.as_str().map(str::to_owned).ok_or_else(|| {
                        Error::new(
                            ErrorKind::InvalidOperation,
                            format!("join: expected a string, found {}", item.kind()),
                        )
                    })
                })
                .collect();
            Ok(Jinja::from(parts?.join(text)))
        }
        "count" => {
            let (needle,): (String,) = from_args(args)?;
            let count = if needle.is_empty() {
                text.chars().count() + 1
            } else {
                text.matches(needle.as_str()).count()
            };
            Ok(Jinja::from(count))
        }
        "find" => {
            let (needle,): (String,) = from_args(args)?;
            Ok(Jinja::from(
                text.find(needle.as_str())
                    .map_or(-1, |byte| text[..byte].chars().count() as i64),
            ))
        }
        "isdigit" => {
            let () = from_args(args)?;
            Ok(Jinja::from(
                !text.is_empty() && text.chars().all(|c| c.is_numeric()),
            ))
        }
        "title" | "capitalize" => {
            let () = from_args(args)?;
            let mut out = String::with_capacity(text.len());
            let mut word_start = true;
            for (index, c) in text.chars().enumerate() {
                let upper = if method == "title" {
                    word_start
                } else {
                    index == 0
                };
                if upper {
                    out.extend(c.to_uppercase());
                } else {
                    out.extend(c.to_lowercase());
                }
                word_start = !c.is_alphabetic();
            }
            Ok(Jinja::from(out))
        }
        _ => Err(Error::from(ErrorKind::UnknownMethod)),
    }
}

/// `str.split()` without a separator: runs of whitespace, no empty parts.
fn split_whitespace(text: &str, limit: Option<usize>) -> Vec<Jinja> {
    let mut parts = Vec::new();
    let mut rest = text.trim_start();
    while !rest.is_empty() {
        if limit.is_some_and(|limit| parts.len() == limit) {
            parts.push(Jinja::from(rest));
            break;
        }
        let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
        parts.push(Jinja::from(&rest[..end]));
        rest = rest[end..].trim_start();
    }
    parts
}

fn list_method(list: &Jinja, method: &str, args: &[Jinja]) -> Result<Jinja, Error> {
    match method {
        "count" => {
            let (needle,): (Jinja,) = from_args(args)?;
            Ok(Jinja::from(
                list.try_iter()?.filter(|item| *item == needle).count(),
            ))
        }
        "index" => {
            let (needle,): (Jinja,) = from_args(args)?;
            list.try_iter()?
                .position(|item| item == needle)
                .map(Jinja::from)
                .ok_or_else(|| {
                    Error::new(
                        ErrorKind::InvalidOperation,
                        "index: the value is not in the list",
                    )
                })
        }
        _ => Err(Error::from(ErrorKind::UnknownMethod)),
    }
}
