//! Consultations, ballots and tallies.
