//! Consultations, ballots, tallies; the public voting page.
