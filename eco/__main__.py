from eco.cli import main

main()
