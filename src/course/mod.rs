//! The course-facing layer: graded cells ([`grade`]), the solution → exercise notebook
//! transform ([`exercise`]), grading a class's submissions ([`autograde`]), and recipes
//! that reproduce a course notebook's steps ([`pbc_course_split`]), and the course's names of
//! domain functions ([`get_sub_volume`], [`frac_censored`]). The domain modules
//! use domain names; names here are the course's.

pub mod autograde;
pub mod exercise;
pub mod grade;
mod recipes;

pub use recipes::pbc_course_split;

/// The course's name for [`crate::imaging::sample_sub_volume`] (course 1 week 3's
/// graded `get_sub_volume`).
pub use crate::imaging::sample_sub_volume as get_sub_volume;
/// The course's name for [`crate::survival::censored_fraction`] (course 2 week 3's
/// graded `frac_censored`).
pub use crate::survival::censored_fraction as frac_censored;
