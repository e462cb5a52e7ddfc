    // BEGIN SOLUTION placeholder: vec![]
    vec![1, 2]
    // END SOLUTION
