from consultkit.cli import main

main()
