from eventapp.cli import main

main()
