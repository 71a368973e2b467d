from quietwatch.cli import main

main()
